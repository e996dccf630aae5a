// Keras is channels-last at both boundaries: an image-to-image Sequential returns
// (N, H, W, C) from model(x) and predict(), and fit()/evaluate() take (N, H, W, C) targets --
// including the H = W = C case, where a channels-first output would silently train on
// transposed targets. The output's layout node mirrors the input's in the graph, and
// strip_layout_permutes() still gives the torch frontend's graph.
#include <catch2/catch.hpp>

#include <janus/core/graph.h>
#include <janus/core/ops.h>
#include <janus/core/random.h>
#include <janus/keras/keras.h>
#include <janus/torch/torch.h>

#include "close.h"
#include "temp_dir.h"

#include <algorithm>
#include <cmath>

using namespace janus;
namespace kl = janus::keras::layers;
using keras::FitOptions;
using keras::Sequential;
using janus::testing::require_close;

namespace {

// x (N, H, W, C) through a 3x3 "same" convolution with Keras' kernel (kh, kw, in, out) and
// bias, computed channels-first by core ops and returned channels-last: the reference.
Tensor conv_nhwc(const Tensor& x, const Tensor& kernel, const Tensor& bias, int64_t pad) {
  const Tensor w = permute(kernel, {3, 2, 0, 1});  // (out, in, kh, kw)
  return nchw_to_nhwc(conv2d(nhwc_to_nchw(x), w, bias, Conv2dOptions().padding(pad)));
}

}  // namespace

TEST_CASE("keras image-to-image model returns (N, H, W, C) from model(x) and predict", "[keras][layout]") {
  Sequential model({kl::Input({8, 6, 3}), kl::Conv2D(5, 3).padding("same")});
  CHECK(model.output_shape() == Shape{8, 6, 5});
  Generator gen(3);
  const Tensor x = randn({2, 8, 6, 3}, &gen);
  const auto w = model.get_weights();  // conv2d/kernel (3, 3, 3, 5), conv2d/bias (5)
  const Tensor want = conv_nhwc(x, w[0].second, w[1].second, 1);
  model.compile("sgd", "mse");
  const Tensor out = model(x);
  REQUIRE(out.shape() == Shape{2, 8, 6, 5});
  // The same conv kernels on the same data; only the order of the final copy differs, so
  // the values are bit-identical.
  CHECK(out.to_vector() == want.to_vector());
  const Tensor p = model.predict(x, 1);  // two batches of one, concatenated
  REQUIRE(p.shape() == Shape{2, 8, 6, 5});
  CHECK(p.to_vector() == want.to_vector());
}

TEST_CASE("keras image output: the graph ends in a layout node mirroring the input's", "[keras][layout][graph]") {
  Sequential model({kl::Input({8, 8, 3}), kl::Conv2D(3, 3).padding("same").use_bias(false)});
  model.compile("sgd", "mse");
  const Graph& g = model.graph();
  const std::string dump = g.dump(DumpOptions().names(false));
  INFO(dump);
  CHECK(dump.find("permute(%0) {order=[0, 3, 1, 2]} : [2, 3, 8, 8]") != std::string::npos);
  CHECK(dump.find("{order=[0, 2, 3, 1]} : [2, 8, 8, 3]") != std::string::npos);
  REQUIRE(g.outputs().size() == 1);
  CHECK(g.values()[g.outputs()[0]].shape == Shape{2, 8, 8, 3});
  // Without both layout nodes it is the torch frontend's graph of the same conv.
  auto conv = std::make_shared<janus::torch::nn::Conv2d>(janus::torch::nn::Conv2dOptions(3, 3, 3).padding(1).bias(false));
  Generator gen(1);
  const Graph tg = janus::torch::compile(conv, randn({2, 3, 8, 8}, &gen)).graph();
  CHECK(strip_layout_permutes(g).dump(DumpOptions().names(false)) == tg.dump(DumpOptions().names(false)));
}

TEST_CASE("keras image-to-image fit/evaluate take NHWC targets, also when H = W = C", "[keras][layout]") {
  // H = W = C = 3: a channels-first output has the targets' shape, so the shapes alone
  // cannot catch a transposition. A 1x1 convolution with the identity kernel maps x to x
  // exactly, so evaluate(x, x) is 0 only if output and targets are in the same layout.
  Sequential model({kl::Input({3, 3, 3}), kl::Conv2D(3, 1)});
  model.compile(keras::optimizers::Adam(0.05), "mse");
  Generator gen(11);
  const Tensor x = randn({16, 3, 3, 3}, &gen);
  Tensor eye = zeros({1, 1, 3, 3});
  for (int i = 0; i < 3; ++i) eye.data()[i * 3 + i] = 1.0f;
  model.set_weights({{"conv2d/kernel", eye}, {"conv2d/bias", zeros({3})}});
  CHECK(model.evaluate(x, x).at("loss") == 0.0);
  CHECK(model.predict(x).to_vector() == x.to_vector());

  // Trained from its random start on y = 2 x + 1 (NHWC), it finds kernel 2 I and bias 1:
  // reachable only when the targets are read channels-last.
  Sequential fresh({kl::Input({3, 3, 3}), kl::Conv2D(3, 1)});
  fresh.compile(keras::optimizers::Adam(0.05), "mse");
  const Tensor y = x * 2.0f + 1.0f;
  const double before = fresh.evaluate(x, y).at("loss");
  const keras::History h = fresh.fit(x, y, FitOptions().epochs(150).batch_size(16).verbose(0).shuffle(false));
  const double after = fresh.evaluate(x, y).at("loss");
  INFO("mse before " << before << ", after " << after);
  CHECK(after < 1e-3 * before);
  CHECK(h.history.at("loss").back() < 1e-3 * h.history.at("loss").front());
  const auto w = fresh.get_weights();
  std::vector<float> want_kernel(9, 0.0f);
  for (int i = 0; i < 3; ++i) want_kernel[static_cast<size_t>(i * 3 + i)] = 2.0f;
  // Adam's last steps leave the weights within a few lr-sized wiggles of the optimum; the
  // bound is relative to the kernel's size 2.
  require_close(w[0].second.reshape({9}), from_vector(want_kernel, {9}), "kernel", 0.0f, 0.05f);
  require_close(w[1].second, from_vector({1, 1, 1}, {3}), "bias", 0.0f, 0.05f);
  // The transposed reading of the same targets is far off (what the old layout trained on).
  CHECK(fresh.evaluate(x, permute(y, {0, 3, 1, 2})).at("loss") > 100 * after);
}

TEST_CASE("keras image-to-image model: saved weights reload to the same predictions", "[keras][layout]") {
  testing::TempDir dir;
  Sequential model({kl::Input({8, 8, 3}), kl::Conv2D(4, 3).padding("same"), kl::BatchNormalization(), kl::ReLU(),
                    kl::Conv2D(3, 3).padding("same")});
  model.compile("adam", "mse");
  Generator gen(7);
  const Tensor x = randn({8, 8, 8, 3}, &gen), y = randn({8, 8, 8, 3}, &gen);
  model.fit(x, y, FitOptions().epochs(2).batch_size(4).verbose(0));
  const Tensor p = model.predict(x);
  REQUIRE(p.shape() == Shape{8, 8, 8, 3});
  const double loss = model.evaluate(x, y).at("loss");
  // evaluate's mse is the mean over the NHWC prediction against y, in that layout.
  double want = 0.0;
  const std::vector<float> pv = p.to_vector(), yv = y.to_vector();
  for (size_t i = 0; i < pv.size(); ++i) want += (pv[i] - yv[i]) * (pv[i] - yv[i]);
  want /= static_cast<double>(pv.size());
  // Both sum 1536 float squares, in a different order: float32's rounding over that depth.
  CHECK(std::abs(loss - want) <= 1e-5 * want);
  model.save_weights(dir.file("img.weights.safetensors"));

  Sequential again({kl::Input({8, 8, 3}), kl::Conv2D(4, 3).padding("same"), kl::BatchNormalization(), kl::ReLU(),
                    kl::Conv2D(3, 3).padding("same")});
  again.compile("adam", "mse");
  again.load_weights(dir.file("img.weights.safetensors"));
  CHECK(again.predict(x).to_vector() == p.to_vector());
  CHECK(again.evaluate(x, y).at("loss") == loss);
}
