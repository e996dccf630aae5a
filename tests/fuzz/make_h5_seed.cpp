// Writes the seed of fuzz_weights_h5: the fuzz target's model saved as Keras 3's .weights.h5
// (a binary file made at build time, not committed; see make_seeds.sh for the other seeds).
//   make_h5_seed OUT.weights.h5
#include <janus/keras/keras.h>

#include <cstdio>

namespace kl = janus::keras::layers;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_h5_seed OUT.weights.h5\n");
    return 2;
  }
  auto x = janus::keras::Input({6, 6, 2});
  auto h = kl::BatchNormalization()(kl::Conv2D(3, 3).padding("same")(x));
  auto y = kl::Concatenate()({kl::Add()({kl::Conv2D(3, 1)(h), h}), x});
  janus::keras::Model(x, kl::Dense(2)(kl::Flatten()(y))).save_weights(argv[1]);
  return 0;
}
