// Small Keras models and data shared by the keras frontend tests: a bias-free linear model
// whose gradient is known by hand, a conv/BN/pool classifier on (4, 4, 3) images, and two
// separable toy classes for it. Header-only (inline), so that janus_test_support, which
// every test folder links, does not depend on the frontends library.
#pragma once

#include <janus/core/random.h>
#include <janus/keras/keras.h>

#include <vector>

namespace janus::testing {

// y = x . w without bias, w = [0.5, 0.25]: for x = [1, 2] the output is 1, and mse
// against 0 gives dL/dw = 2 out x = [2, 4] at the weights before the step.
inline keras::Sequential linear_model() {
  namespace kl = janus::keras::layers;
  keras::Sequential model({kl::Input({2}), kl::Dense(1).use_bias(false)});
  model.set_weights({{"dense/kernel", from_vector({0.5f, 0.25f}, {2, 1})}});
  return model;
}

// The linear model's kernel as [w0, w1].
inline std::vector<float> kernel(const keras::Model& model) { return model.get_weights()[0].second.to_vector(); }

// Conv2D(4, 3, same, no bias) -> BN -> ReLU -> MaxPool(2) -> Flatten -> Dense(2) on (4, 4, 3).
inline keras::Sequential conv_model() {
  namespace kl = janus::keras::layers;
  return keras::Sequential({kl::Input({4, 4, 3}), kl::Conv2D(4, 3).padding("same").use_bias(false),
                            kl::BatchNormalization(), kl::ReLU(), kl::MaxPooling2D(2), kl::Flatten(), kl::Dense(2)});
}

// n images (n, 4, 4, 3) in two separable classes (label i % 2: the sign of channel 0's mean).
inline void toy_data(Tensor& x, Tensor& y, int64_t n, uint64_t seed) {
  Generator gen(seed);
  x = randn({n, 4, 4, 3}, &gen);
  y = zeros({n});
  for (int64_t i = 0; i < n; ++i) {
    const float label = static_cast<float>(i % 2);
    y.data()[i] = label;
    for (int64_t p = 0; p < 16; ++p) x.data()[i * 48 + p * 3] += label == 1.0f ? 1.5f : -1.5f;
  }
}

}  // namespace janus::testing
