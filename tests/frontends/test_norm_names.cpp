// One name, one meaning: each "per-channel" normalization is reached by the name of what it
// computes, in both frontends (docs/normalization.md's table), and computes that formula --
// against the PyTorch goldens of tests/golden/gen_norm.py, or by hand where PyTorch has no
// such function (Keras' epsilon 1e-3 default). The deprecated old names still build the
// same function.
#include <catch2/catch.hpp>

#include <janus/core/ops.h>
#include <janus/core/random.h>
#include <janus/keras/keras.h>
#include <janus/layers/norm.h>

#include "fixtures.h"

#include <cmath>
#include <fstream>
#include <sstream>
#include <type_traits>

using namespace janus;
using janus::testing::Fixture;
namespace kl = janus::keras::layers;

namespace {

const Fixture& golden() {
  static const Fixture f = Fixture::load("norm.json");
  return f;
}

// The formulas of the table, by hand in double, on (N, C, H, W) x:
//   std_eps:  (x - mean) / (std + eps), std biased (m) or unbiased (m - 1)
//   instance: gamma * (x - mean) / sqrt(var + eps) + beta, biased var
enum class Formula { std_eps, instance };
std::vector<double> by_hand(const Tensor& x, Formula f, double eps, bool unbiased = false,
                            const std::vector<double>& gamma = {}, const std::vector<double>& beta = {}) {
  const int64_t n = x.size(0), c = x.size(1), m = x.size(2) * x.size(3);
  const std::vector<float> v = x.to_vector();
  std::vector<double> out(v.size());
  for (int64_t s = 0; s < n * c; ++s) {
    const float* p = v.data() + s * m;
    double mean = 0, ss = 0;
    for (int64_t i = 0; i < m; ++i) mean += p[i];
    mean /= static_cast<double>(m);
    for (int64_t i = 0; i < m; ++i) ss += (p[i] - mean) * (p[i] - mean);
    const double var = ss / static_cast<double>(unbiased ? m - 1 : m);
    const double denom = f == Formula::std_eps ? std::sqrt(var) + eps : std::sqrt(var + eps);
    const size_t ch = static_cast<size_t>(s % c);
    const double g = gamma.empty() ? 1.0 : gamma[ch], b = beta.empty() ? 0.0 : beta[ch];
    for (int64_t i = 0; i < m; ++i) out[static_cast<size_t>(s * m + i)] = g * (p[i] - mean) / denom + b;
  }
  return out;
}

// Normalized outputs are O(1): float32 over a few values, relative to 1 (plus a margin for
// the 2x2 maps' 1/std, up to ~10 there).
void check_close(const Tensor& got, const std::vector<double>& want, double tol = 1e-5) {
  const std::vector<float> g = got.to_vector();
  REQUIRE(g.size() == want.size());
  double worst = 0;
  for (size_t i = 0; i < g.size(); ++i) worst = std::max(worst, std::fabs(g[i] - want[i]) / std::max(1.0, std::fabs(want[i])));
  INFO("max relative |diff| " << worst);
  CHECK(worst < tol);
}

std::vector<double> to_double(const Tensor& t) {
  const std::vector<float> v = t.to_vector();
  return std::vector<double>(v.begin(), v.end());
}

// A Keras model of one layer on (H, W, C) input; runs NCHW x through it as NHWC. Keras
// returns the image channels-last (a layout node at the output mirrors the input's), so
// the result is permuted back to NCHW for the comparison.
Tensor run_keras(const keras::LayerRef& layer, const Tensor& x_nchw) {
  keras::Sequential model({kl::Input({x_nchw.size(2), x_nchw.size(3), x_nchw.size(1)}), layer});
  return nhwc_to_nchw(model(nchw_to_nhwc(x_nchw), true));
}

// The snippet of docs/normalization.md, verbatim between the markers.
size_t snippet_layers() {
  // BEGIN NORM NAMES (tests/frontends/test_norm_names.cpp compiles this)
  namespace nn = janus::nn;
  namespace kl = janus::keras::layers;
  auto seeds = std::make_shared<nn::PerChannelStdNorm>();  // (x - mean) / (std + 1e-7)
  auto torch_seed = std::make_shared<nn::PerChannelStdNorm>(nn::PerChannelStdNormOptions().unbiased(true));
  auto in_affine = std::make_shared<nn::InstanceNorm2d>(nn::InstanceNormOptions(32).affine(true));  // "pcn"
  janus::keras::Sequential model({kl::Input({32, 32, 3}), kl::Conv2D(32, 3).padding("same"),
                                  kl::PerChannelStdNormalization(), kl::Conv2D(32, 3).padding("same"),
                                  kl::InstanceNormalization()});
  // END NORM NAMES
  CHECK(seeds->num_parameters() + torch_seed->num_parameters() == 0);
  CHECK(in_affine->num_parameters() == 64);
  return model.layers().size();
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("docs/normalization.md's names snippet compiles and is shown verbatim", "[norm][names]") {
  CHECK(snippet_layers() >= 4);
  const std::string source = slurp(std::string(JANUS_GOLDEN_DIR) + "/../frontends/test_norm_names.cpp");
  const std::string docs = slurp(std::string(JANUS_GOLDEN_DIR) + "/../../docs/normalization.md");
  const std::string begin = "// BEGIN NORM NAMES", end = "// END NORM NAMES";
  const size_t b = source.find(begin);
  const size_t e = source.find(end, b);
  REQUIRE(b != std::string::npos);
  // Compare line by line without the function body's two-space indent.
  std::string block, line;
  std::istringstream lines(source.substr(b - 2, e + end.size() - b + 2));
  while (std::getline(lines, line)) block += (line.rfind("  ", 0) == 0 ? line.substr(2) : line) + "\n";
  CHECK(docs.find(block) != std::string::npos);
}

TEST_CASE("nn::PerChannelStdNorm is (x - mean) / (std + 1e-7), the seeds' function", "[norm][names]") {
  for (const char* hw : {"2", "4"}) {
    const Tensor x = golden().tensor(std::string("seed") + hw + ".x");
    nn::PerChannelStdNorm keras_seed;                                                 // biased std
    nn::PerChannelStdNorm torch_seed(nn::PerChannelStdNormOptions().unbiased(true));  // x.std()
    check_close(keras_seed(x), to_double(golden().tensor(std::string("seed_keras") + hw + ".y")));
    check_close(torch_seed(x), to_double(golden().tensor(std::string("seed_torch") + hw + ".y")));
    check_close(keras_seed(x), by_hand(x, Formula::std_eps, 1e-7));
    check_close(torch_seed(x), by_hand(x, Formula::std_eps, 1e-7, true));
    CHECK(keras_seed.num_parameters() == 0);
    CHECK(keras_seed.type_name() == "PerChannelStdNorm");
  }
}

TEST_CASE("keras PerChannelStdNormalization is the Keras seed's Lambda, channels-last", "[norm][names][keras]") {
  const Tensor x = golden().tensor("seed4.x");
  check_close(run_keras(kl::PerChannelStdNormalization(), x), to_double(golden().tensor("seed_keras4.y")));
  check_close(run_keras(kl::PerChannelStdNormalization().unbiased(true), x),
              to_double(golden().tensor("seed_torch4.y")));
  keras::Sequential model({kl::Input({4, 4, 2}), kl::PerChannelStdNormalization()});
  CHECK(model.layers().back()->name() == "per_channel_std_normalization");
  CHECK(model.count_params() == 0);
}

TEST_CASE("InstanceNorm2d(affine) -- 'in-affine', alias 'pcn' -- matches PyTorch in both frontends", "[norm][names][keras]") {
  const Tensor x = golden().tensor("in.x");
  const Tensor w = golden().tensor("in_affine.weight"), b = golden().tensor("in_affine.bias");
  nn::InstanceNorm2d in(nn::InstanceNormOptions(3).affine(true));
  in.weight.copy_(w);
  in.bias.copy_(b);
  check_close(in(x), to_double(golden().tensor("in_affine.y")));
  check_close(in(x), by_hand(x, Formula::instance, 1e-5, false, to_double(w), to_double(b)));

  keras::Sequential model({kl::Input({3, 3, 3}), kl::InstanceNormalization().epsilon(1e-5)});
  auto layer = model.layers().back();
  CHECK(layer->class_name() == "InstanceNormalization");
  CHECK(layer->name() == "instance_normalization");
  layer->set_weights({{"gamma", w}, {"beta", b}});
  check_close(nhwc_to_nchw(model(nchw_to_nhwc(x), true)), to_double(golden().tensor("in_affine.y")));
}

TEST_CASE("keras InstanceNormalization's defaults are Keras': epsilon 1e-3 inside the root, affine", "[norm][names][keras]") {
  Generator gen(3);
  const Tensor x = normal({2, 3, 2, 2}, 0.5f, 0.1f, &gen);  // small variance: eps 1e-3 vs 1e-5 shows
  const Tensor y = run_keras(kl::InstanceNormalization(), x);
  check_close(y, by_hand(x, Formula::instance, 1e-3));
  // The three "per-channel" functions are three functions on the same input.
  nn::PerChannelStdNorm std_eps;
  nn::InstanceNorm2d torch_in(nn::InstanceNormOptions(3));
  const std::vector<double> a = to_double(std_eps(x)), c = to_double(torch_in(x)), k = to_double(y);
  double std_vs_keras = 0, torch_vs_keras = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    std_vs_keras = std::max(std_vs_keras, std::fabs(a[i] - k[i]));
    torch_vs_keras = std::max(torch_vs_keras, std::fabs(c[i] - k[i]));
  }
  CHECK(std_vs_keras > 0.01);
  CHECK(torch_vs_keras > 0.01);
}

TEST_CASE("the old names are deprecated spellings of the new ones", "[norm][names]") {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  STATIC_REQUIRE(std::is_same_v<nn::PerChannelNorm, nn::PerChannelStdNorm>);
  STATIC_REQUIRE(std::is_same_v<nn::PerChannelNormOptions, nn::PerChannelStdNormOptions>);
  STATIC_REQUIRE(std::is_base_of_v<kl::InstanceNormalization, kl::PerChannelNormalization>);
  const Tensor x = golden().tensor("seed4.x");
  keras::Sequential old_name({kl::Input({4, 4, 2}), kl::PerChannelNormalization()});
  CHECK(old_name.layers().back()->name() == "per_channel_normalization");  // weights saved under it still load
  check_close(nhwc_to_nchw(old_name(nchw_to_nhwc(x), true)), by_hand(x, Formula::instance, 1e-3));
#pragma GCC diagnostic pop
}
