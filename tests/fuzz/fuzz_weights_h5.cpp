// libFuzzer target: Keras load_weights on arbitrary bytes under a "*.weights.h5" name, into a
// small functional model (conv, batch norm, Add, Concatenate, Dense), as a user loading a
// downloaded weights file does. Everything must end in a janus::Error or a load. Reading is
// janus' own HDF5 parser (frontends/src/keras/h5_*.cpp), instrumented like the rest of janus;
// libhdf5 is not on the load path. The bytes go to a file in /dev/shm (or /tmp), as
// load_weights reads a named file. Seeds: a janus-written file (make_h5_seed) and, where h5py
// is installed, h5py-written ones with libver='latest' (make_h5py_seeds.py), both generated.
#include <janus/core/error.h>
#include <janus/keras/keras.h>

#include <cstdio>
#include <string>

#include <unistd.h>

namespace kl = janus::keras::layers;

namespace {

janus::keras::Model make_model() {
  auto x = janus::keras::Input({6, 6, 2});
  auto h = kl::BatchNormalization()(kl::Conv2D(3, 3).padding("same")(x));
  auto y = kl::Concatenate()({kl::Add()({kl::Conv2D(3, 1)(h), h}), x});
  return janus::keras::Model(x, kl::Dense(2)(kl::Flatten()(y)));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static janus::keras::Model model = make_model();
  static const std::string path =
      std::string(::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp") + "/janus_fuzz_" + std::to_string(::getpid()) + ".weights.h5";
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  try {
    model.load_weights(path);
  } catch (const janus::Error&) {
  }
  return 0;
}
