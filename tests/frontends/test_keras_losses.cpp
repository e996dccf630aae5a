// Keras 3's losses on probabilities (from_logits=false): the output is divided by its sum
// over the class axis and clipped to [1e-7, 1 - 1e-7] before the log, so an un-normalized
// output gives a finite loss (Keras 3's JAX and NumPy backends, keras/src/backend/{jax,numpy}/nn.py:
// categorical_crossentropy, sparse_categorical_crossentropy, binary_crossentropy; docs/keras.md
// says where the TensorFlow backend differs). The figures are Keras 3's in
// float32: for the output [2, -1, 0.5] the normalized [1.33, -0.67, 0.33] clips to
// [1 - 1e-7, 1e-7, 0.33], so label 0 costs -log(float32(1 - 1e-7)) = 1.19e-7 (Keras prints
// about 1e-07) and label 1 costs -log(1e-7) = 16.1181.
#include <catch2/catch.hpp>

#include <janus/core/random.h>
#include <janus/keras/keras.h>

#include <cmath>

using namespace janus;
namespace kl = janus::keras::layers;
using keras::FitOptions;
using keras::Sequential;

namespace {

// A model whose output is its input: Dense(k) without bias, kernel = identity.
Sequential identity_model(int64_t k) {
  Sequential model({kl::Input({k}), kl::Dense(k).use_bias(false)});
  Tensor eye = zeros({k, k});
  for (int64_t i = 0; i < k; ++i) eye.data()[i * k + i] = 1.0f;
  model.set_weights({{"dense/kernel", eye}});
  return model;
}

// float32's 1 - 1e-7 (0.99999988), the upper clip bound as Keras computes it.
const double kOneMinusEps = static_cast<double>(1.0f - 1e-7f);

}  // namespace

TEST_CASE("keras sparse_categorical_crossentropy on probabilities follows Keras 3", "[keras][loss]") {
  Sequential model = identity_model(3);
  model.compile("sgd", "sparse_categorical_crossentropy");
  const Tensor out = from_vector({2, -1, 0.5}, {1, 3});
  const double label0 = model.evaluate(out, from_vector({0}, {1})).at("loss");
  const double label1 = model.evaluate(out, from_vector({1}, {1})).at("loss");
  const double label2 = model.evaluate(out, from_vector({2}, {1})).at("loss");
  CHECK(label0 == Approx(-std::log(kOneMinusEps)).epsilon(1e-3));  // 1.19e-7: one float32 ulp of 1
  CHECK(label0 > 0.9e-7);
  CHECK(label0 < 1.3e-7);
  // log of a float32 value near 1e-7 and of 1/3: float32 rounding, relative 1e-6.
  CHECK(label1 == Approx(16.1181).epsilon(1e-5));
  CHECK(label2 == Approx(std::log(3.0)).epsilon(1e-6));
  // A distribution is unchanged by the normalization: -log p as usual.
  const Tensor probs = from_vector({0.7f, 0.2f, 0.1f, 0.25f, 0.25f, 0.5f}, {2, 3});
  const double two = model.evaluate(probs, from_vector({0, 2}, {2})).at("loss");
  CHECK(two == Approx((-std::log(0.7) - std::log(0.5)) / 2).epsilon(1e-6));
}

TEST_CASE("keras categorical_crossentropy on probabilities follows Keras 3", "[keras][loss]") {
  Sequential model = identity_model(3);
  model.compile("sgd", "categorical_crossentropy");
  const Tensor out = from_vector({2, -1, 0.5}, {1, 3});
  CHECK(model.evaluate(out, from_vector({1, 0, 0}, {1, 3})).at("loss") ==
        Approx(-std::log(kOneMinusEps)).epsilon(1e-3));
  CHECK(model.evaluate(out, from_vector({0, 1, 0}, {1, 3})).at("loss") == Approx(16.1181).epsilon(1e-5));
  // Soft targets: -sum t log clip(p / sum p).
  const double soft = model.evaluate(out, from_vector({0.5f, 0.0f, 0.5f}, {1, 3})).at("loss");
  CHECK(soft == Approx(0.5 * (-std::log(kOneMinusEps)) + 0.5 * std::log(3.0)).epsilon(1e-6));
}

TEST_CASE("keras binary_crossentropy on probabilities and logits follows Keras 3", "[keras][loss]") {
  Sequential model = identity_model(4);
  model.compile("sgd", "binary_crossentropy", {"accuracy"});
  const Tensor out = from_vector({0.9f, 0.0f, 1.0f, 0.3f}, {1, 4});
  const Tensor t = from_vector({1, 0, 0, 0}, {1, 4});
  // Per element -(t log p + (1 - t) log(1 - p)) with p clipped, then the mean over the
  // last axis: 0 and 1 are clipped to 1e-7 and float32's 1 - 1e-7, so the wrong "1.0"
  // costs -log(1 - 0.99999988) = 15.9424 in float32, as in Keras.
  const keras::Logs logs = model.evaluate(out, t);
  const double want = (-std::log(0.9) - std::log(kOneMinusEps) - std::log(1.0 - kOneMinusEps) - std::log(0.7)) / 4;
  CHECK(logs.at("loss") == Approx(want).epsilon(1e-5));
  CHECK(logs.at("accuracy") == Approx(0.75));  // binary accuracy: (p > 0.5) == t in 3 of 4
  Sequential logits = identity_model(2);
  logits.compile("sgd", keras::Loss("binary_crossentropy").from_logits(true));
  // Stable form for large logits: z = 30, t = 0 costs 30 (not inf); z = -2, t = 1 costs log(1 + e^2).
  const double l = logits.evaluate(from_vector({30, -2}, {1, 2}), from_vector({0, 1}, {1, 2})).at("loss");
  CHECK(l == Approx((30.0 + std::log1p(std::exp(2.0))) / 2).epsilon(1e-6));
}

TEST_CASE("keras Dense(10) with sparse CE on probabilities gives a finite loss on random data", "[keras][loss]") {
  // The README's model shape: Dense(10) without softmax, from_logits false -- negative
  // outputs used to give loss: -nan; Keras 3 normalizes and clips them.
  Sequential model({kl::Input({8}), kl::Dense(10)});
  model.compile("sgd", "sparse_categorical_crossentropy", {"accuracy"});
  Generator gen(4);
  const Tensor x = randn({32, 8}, &gen);
  Tensor y = zeros({32});
  for (int64_t i = 0; i < 32; ++i) y.data()[i] = static_cast<float>(i % 10);
  const keras::History h = model.fit(x, y, FitOptions().epochs(2).batch_size(8).verbose(0));
  for (double v : h.history.at("loss")) CHECK(std::isfinite(v));
  const double loss = model.evaluate(x, y).at("loss");
  CHECK(std::isfinite(loss));
  CHECK(loss >= 0.0);
  CHECK(loss <= 16.1181 + 1e-3);  // -log(1e-7) is the largest any sample can cost
}
