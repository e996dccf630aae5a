// The Keras pieces users reach for first: evaluate's scores in compile's order and by name,
// validation_split, utils::to_categorical, activations as constructor arguments, kernel /
// bias initializers by name, (h, w) pairs for kernels, strides and pools, Lambda layers,
// ModelCheckpoint paths with Python format fields, ReduceLROnPlateau, TerminateOnNaN, and
// legacy .h5 weight file names refused.
#include <catch2/catch.hpp>

#include <janus/core/ops.h>
#include <janus/core/random.h>
#include <janus/keras/keras.h>

#include "keras_models.h"
#include "temp_dir.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <sstream>

using namespace janus;
namespace kl = janus::keras::layers;
using keras::FitOptions;
using keras::Sequential;
using janus::testing::conv_model;
using janus::testing::toy_data;

TEST_CASE("keras evaluate returns the loss then the metrics in compile's order, and by name", "[keras][evaluate]") {
  Sequential model = conv_model();
  model.compile("sgd", keras::Loss("sparse_categorical_crossentropy").from_logits(true), {"accuracy", "acc"});
  Tensor x, y;
  toy_data(x, y, 16, 1);
  const keras::Scores score = model.evaluate(x, y);
  REQUIRE(score.size() == 3);
  CHECK(score.names() == std::vector<std::string>{"loss", "accuracy", "acc"});
  CHECK(score[0] == score.at("loss"));
  CHECK(score[1] == score.at("accuracy"));
  CHECK(score[0] > 0.0);
  CHECK(score.as_dict().at("acc") == score[2]);
  const keras::Logs logs = model.evaluate(x, y);  // return_dict: the same values by name
  CHECK(logs.at("loss") == score[0]);
  CHECK_THROWS_WITH(score[3], Catch::Contains("score[3] is out of range") && Catch::Contains("3 values"));
  CHECK_THROWS_WITH(score.at("val_loss"), Catch::Contains("loss, accuracy, acc"));
}

TEST_CASE("keras validation_split validates on the last fraction of the samples", "[keras][fit]") {
  Tensor x, y;
  toy_data(x, y, 40, 2);
  auto run = [&](bool split) {
    manual_seed(3);
    Sequential model = conv_model();
    model.compile("sgd", keras::Loss("sparse_categorical_crossentropy").from_logits(true), {"accuracy"});
    // Keras splits at floor(40 * 0.75) = 30: rows 30..39 validate, 0..29 train.
    Tensor xt = empty({30, 4, 4, 3}), yt = empty({30}), xv = empty({10, 4, 4, 3}), yv = empty({10});
    std::copy(x.data(), x.data() + 30 * 48, xt.data());
    std::copy(x.data() + 30 * 48, x.data() + 40 * 48, xv.data());
    std::copy(y.data(), y.data() + 30, yt.data());
    std::copy(y.data() + 30, y.data() + 40, yv.data());
    const FitOptions o = FitOptions().epochs(2).batch_size(10).verbose(0).seed(5);
    return split ? model.fit(x, y, FitOptions(o).validation_split(0.25))
                 : model.fit(xt, yt, FitOptions(o).validation_data(xv, yv));
  };
  const keras::History a = run(true), b = run(false);
  REQUIRE(a.history.count("val_loss") == 1);
  CHECK(a.history.at("val_loss") == b.history.at("val_loss"));
  CHECK(a.history.at("loss") == b.history.at("loss"));
  Sequential model = conv_model();
  model.compile("sgd", keras::Loss("sparse_categorical_crossentropy").from_logits(true));
  CHECK_THROWS_WITH(model.fit(x, y, FitOptions().validation_split(1.0)), Catch::Contains("must be in [0, 1)"));
  CHECK_THROWS_WITH(model.fit(x, y, FitOptions().validation_split(0.99)), Catch::Contains("both need at least one"));
}

TEST_CASE("keras utils::to_categorical one-hot encodes labels", "[keras][utils]") {
  const Tensor y = from_vector({2, 0, 1}, {3});
  const Tensor oh = keras::utils::to_categorical(y, 4);
  CHECK(oh.shape() == Shape{3, 4});
  CHECK(oh.to_vector() == std::vector<float>{0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0});
  CHECK(keras::utils::to_categorical(from_vector({1, 2}, {2, 1})).shape() == Shape{2, 3});  // (N, 1) -> (N, 3)
  CHECK_THROWS_WITH(keras::utils::to_categorical(y, 2), Catch::Contains("label 2 at index 0"));
  CHECK_THROWS_WITH(keras::utils::to_categorical(from_vector({0.5f}, {1}), 2), Catch::Contains("label 0.5"));
}

TEST_CASE("keras Dense(units, activation) and Conv2D(filters, kernel, activation)", "[keras][layers]") {
  manual_seed(4);
  Sequential model({kl::Input({6, 6, 2}), kl::Conv2D(3, 3, "relu"), kl::Flatten(), kl::Dense(5, "softmax")});
  model.compile("sgd", "sparse_categorical_crossentropy");
  Generator gen(2);
  const Tensor x = randn({4, 6, 6, 2}, &gen);
  const Tensor p = model.predict(x);
  for (int64_t i = 0; i < 4; ++i) {
    double sum = 0.0;
    for (int64_t j = 0; j < 5; ++j) sum += p.at({i, j});
    CHECK(sum == Approx(1.0).epsilon(1e-6));  // 5 float32 terms of a softmax row
  }
  CHECK_THROWS_WITH(Sequential({kl::Input({4}), kl::Dense(2, "swish")}), Catch::Contains("unknown activation"));
}

TEST_CASE("keras kernel_initializer and bias_initializer by name", "[keras][layers]") {
  manual_seed(11);
  Sequential model({kl::Input({400}), kl::Dense(300).kernel_initializer("he_normal").bias_initializer("ones"),
                    kl::Dense(200).kernel_initializer("zeros"), kl::Dense(100).kernel_initializer("lecun_uniform")});
  const NamedTensors w = model.get_weights();
  // he_normal: truncated normal, stddev sqrt(2 / fan_in) after Keras' correction, so the
  // sample stddev is sqrt(2 / 400) = 0.0707 and nothing lies beyond 2 / 0.8796 of it.
  const std::vector<float> k = w[0].second.to_vector();
  double ss = 0.0, worst = 0.0;
  for (float v : k) {
    ss += static_cast<double>(v) * v;
    worst = std::max(worst, std::fabs(static_cast<double>(v)));
  }
  const double want = std::sqrt(2.0 / 400.0);
  // 120000 draws: the sample stddev is within 1% of its expectation (its relative spread is ~0.2%).
  CHECK(std::sqrt(ss / static_cast<double>(k.size())) == Approx(want).epsilon(0.01));
  CHECK(worst <= 2.0 * want / 0.87962566103423978 * (1 + 1e-6));
  const std::vector<float> ones = w[1].second.to_vector(), zero = w[2].second.to_vector();
  CHECK(std::count(ones.begin(), ones.end(), 1.0f) == 300);     // bias "ones"
  CHECK(std::count(zero.begin(), zero.end(), 0.0f) == 60000);   // kernel "zeros"
  double most = 0.0;  // lecun_uniform: U(+-sqrt(3 / 200))
  for (float v : w[4].second.to_vector()) most = std::max(most, std::fabs(static_cast<double>(v)));
  CHECK(most <= std::sqrt(3.0 / 200.0));
  CHECK(most > 0.9 * std::sqrt(3.0 / 200.0));
  CHECK_THROWS_WITH(Sequential({kl::Input({4}), kl::Dense(2).kernel_initializer("orthogonal")}),
                    Catch::Contains("unknown initializer \"orthogonal\""));
}

TEST_CASE("keras kernel sizes, strides and pool sizes as (h, w) pairs", "[keras][layers]") {
  Sequential model({kl::Input({9, 8, 2}), kl::Conv2D(3, {3, 1}).strides({2, 1}), kl::MaxPooling2D({2, 4}),
                    kl::Conv2D(2, {1, 3}).padding("same")});
  CHECK(model.layers()[1]->output_shape() == Shape{4, 8, 3});  // (9 - 3) / 2 + 1, (8 - 1) / 1 + 1
  CHECK(model.layers()[2]->output_shape() == Shape{2, 2, 3});
  CHECK(model.output_shape() == Shape{2, 2, 2});
  model.compile("sgd", "mse");
  Generator gen(6);
  const Tensor x = randn({2, 9, 8, 2}, &gen);
  // The first conv by hand through core ops: kernel (3, 1, 2, 3) -> (3, 2, 3, 1).
  const Tensor k = model.get_weights()[0].second, b = model.get_weights()[1].second;
  const Tensor conv = conv2d(nhwc_to_nchw(x), permute(k, {3, 2, 0, 1}), b, Conv2dOptions().stride({2, 1}));
  const Tensor pooled = max_pool2d(conv, Pool2dOptions({2, 4}));
  const Tensor k2 = model.get_weights()[2].second, b2 = model.get_weights()[3].second;
  const Tensor want = nchw_to_nhwc(conv2d(pooled, permute(k2, {3, 2, 0, 1}), b2, Conv2dOptions().padding({0, 1})));
  CHECK(model.predict(x).to_vector() == want.to_vector());  // the same kernels on the same data
  CHECK_THROWS_WITH(Sequential({kl::Input({8, 8, 2}), kl::Conv2D(2, {2, 3}).padding("same")}),
                    Catch::Contains("splits unevenly"));
}

TEST_CASE("keras Lambda runs a C++ function of janus ops on channels-last tensors", "[keras][layers]") {
  // Scale channel c by c + 1: only right if the function sees (N, H, W, C).
  const Tensor scale = from_vector({1, 2, 3}, {3});
  Sequential model({kl::Input({2, 2, 3}), kl::Lambda([scale](const Tensor& x) { return x * scale; }), kl::Flatten(),
                    kl::Lambda([](const Tensor& x) { return x + 1.0f; })});
  CHECK(model.layers()[1]->name() == "lambda");
  CHECK(model.layers()[3]->name() == "lambda_1");
  CHECK(model.output_shape() == Shape{12});
  model.compile("sgd", "mse");
  Generator gen(8);
  const Tensor x = randn({2, 2, 2, 3}, &gen);
  const std::vector<float> got = model.predict(x).to_vector(), xv = x.to_vector();
  for (size_t i = 0; i < xv.size(); ++i) CHECK(got[i] == xv[i] * static_cast<float>(i % 3 + 1) + 1.0f);
  CHECK(model.graph().dump().find("mul(") != std::string::npos);  // traced into the graph
  CHECK_THROWS_WITH(Sequential({kl::Input({4}), kl::Lambda([](const Tensor& x) { return sum(x); })}),
                    Catch::Contains("must keep the batch axis"));
}

TEST_CASE("keras ModelCheckpoint fills Python format fields in its path", "[keras][callbacks]") {
  using keras::callbacks::format_filepath;
  const keras::Logs logs{{"val_loss", 0.41234}, {"accuracy", 0.875}};
  CHECK(format_filepath("model.{epoch:02d}-{val_loss:.2f}.weights.safetensors", 2, logs) ==
        "model.03-0.41.weights.safetensors");
  CHECK(format_filepath("e{epoch}_{accuracy}_{{x}}.st", 0, logs) == "e1_0.875_{x}.st");
  CHECK_THROWS_WITH(format_filepath("m.{val_acc:.2f}", 0, logs), Catch::Contains("{val_acc}, which is not logged"));
  CHECK_THROWS_WITH(format_filepath("m.{epoch", 0, logs), Catch::Contains("unclosed"));
  CHECK_THROWS_WITH(format_filepath("m.{val_loss:d}", 0, logs), Catch::Contains("bad format spec"));

  testing::TempDir dir;
  Sequential model = conv_model();
  model.compile("sgd", keras::Loss("sparse_categorical_crossentropy").from_logits(true));
  Tensor x, y;
  toy_data(x, y, 16, 3);
  auto ckpt = std::make_shared<keras::callbacks::ModelCheckpoint>(dir.file("m.{epoch:02d}-{val_loss:.2f}.safetensors"));
  const keras::History h = model.fit(x, y, FitOptions().epochs(2).verbose(0).validation_data(x, y).callbacks({ckpt}));
  CHECK(std::filesystem::exists(dir.file(fmt::format("m.02-{:.2f}.safetensors", h.history.at("val_loss")[1]))));
  CHECK(ckpt->saves() == 2);
}

TEST_CASE("keras ReduceLROnPlateau divides the lr after patience epochs without improvement", "[keras][callbacks]") {
  // lr 1e-12 on a BN-free model: val_loss changes far less than min_delta 1e-4, so after the
  // first epoch nothing counts as an improvement.
  Sequential model({kl::Input({3}), kl::Dense(2)});
  model.compile(keras::optimizers::SGD(1e-12), "mse");
  Generator gen(4);
  const Tensor x = randn({16, 3}, &gen), y = randn({16, 2}, &gen);
  std::vector<double> lrs;
  struct Recorder : keras::callbacks::Callback {
    std::vector<double>* out = nullptr;
    void on_epoch_end(int, const keras::Logs&) override { out->push_back(model_->compiled_optimizer().learning_rate()); }
  };
  auto rec = std::make_shared<Recorder>();
  rec->out = &lrs;
  auto plateau = std::make_shared<keras::callbacks::ReduceLROnPlateau>("val_loss");
  plateau->patience(2).factor(0.5).cooldown(1);
  model.fit(x, y, FitOptions().epochs(7).verbose(0).validation_data(x, y).callbacks({plateau, rec}));
  // Epoch 0 sets the best; 1, 2 wait -> halved at 2. As in Keras 3 the cooldown epoch 3
  // counts down to 0 and then already waits (wait 1), so 4 halves again, and 6.
  REQUIRE(lrs.size() == 7);
  CHECK(lrs[1] == 1e-12);
  CHECK(lrs[2] == 0.5e-12);
  CHECK(lrs[3] == 0.5e-12);
  CHECK(lrs[4] == 0.25e-12);
  CHECK(lrs[5] == 0.25e-12);
  CHECK(lrs[6] == 0.125e-12);
  CHECK(plateau->reductions() == 3);
  auto bad = std::make_shared<keras::callbacks::ReduceLROnPlateau>();
  bad->factor(1.5);
  CHECK_THROWS_WITH(model.fit(x, y, FitOptions().verbose(0).callbacks({bad})), Catch::Contains("factor must be"));
}

TEST_CASE("keras TerminateOnNaN stops at the first batch with an invalid loss", "[keras][callbacks]") {
  Sequential model({kl::Input({2}), kl::Dense(1)});
  model.compile(keras::optimizers::SGD(0.01), "mse");
  // Batches 0 and 1 are finite; batch 2's inputs of 1e30 give outputs whose squares overflow
  // float32 (max 3.4e38) for any kernel weight above 1e-11, so the loss
  // of batch 2 is the first invalid one and training stops right there.
  Tensor x = ones({8, 2});
  for (int64_t i = 4; i < 6; ++i) x.data()[i * 2] = 1e30f;
  const Tensor y = zeros({8, 1});
  std::ostringstream out;
  model.set_output(&out);
  auto stop = std::make_shared<keras::callbacks::TerminateOnNaN>();
  const keras::History h =
      model.fit(x, y, FitOptions().epochs(3).batch_size(2).shuffle(false).verbose(0).callbacks({stop}));
  CHECK(stop->terminated_batch() == 2);
  CHECK(h.epoch.size() == 1);
  CHECK_THAT(out.str(), Catch::Contains("Batch 2: Invalid loss, terminating training"));
}

TEST_CASE("keras evaluate, predict and fit refuse a batch size below 1", "[keras][fit]") {
  Sequential model({kl::Input({2}), kl::Dense(1)});
  model.compile("sgd", "mse");
  const Tensor x = ones({4, 2}), y = zeros({4, 1});
  for (int64_t bad : {0, -3}) {
    CHECK_THROWS_WITH(model.evaluate(x, y, bad), Catch::Contains("evaluate: batch_size must be positive"));
    CHECK_THROWS_WITH(model.predict(x, bad), Catch::Contains("predict: batch_size must be positive"));
  }
}

TEST_CASE("keras utils::to_categorical refuses labels that are no class index before casting them",
          "[keras][utils]") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (float bad : {nan, -1.0f, 1e20f, 2.5f})
    CHECK_THROWS_WITH(keras::utils::to_categorical(from_vector({0.0f, bad}, {2})), Catch::Contains("index 1"));
  // A whole label in range but asking for more one-hot elements than the documented bound.
  CHECK_THROWS_WITH(keras::utils::to_categorical(zeros({1 << 12}), 1 << 20), Catch::Contains("one-hot elements"));
}

TEST_CASE("keras weight files: a legacy .h5 name is refused, never safetensors bytes under that name", "[keras][weights]") {
  // (*.weights.h5, Keras 3's HDF5 layout, is written and read: test_keras_weights_h5.cpp.)
  testing::TempDir dir;
  Sequential model = conv_model();
  CHECK_THROWS_WITH(model.save_weights(dir.file("model.h5")),
                    Catch::Contains("*.weights.h5") && Catch::Contains(".safetensors"));
  CHECK_FALSE(std::filesystem::exists(dir.file("model.h5")));
  CHECK_THROWS_WITH(model.load_weights(dir.file("model.h5")), Catch::Contains("*.weights.h5"));
}
