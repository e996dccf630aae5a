// The normalization layers: names and counts of parameters and buffers in both profiles,
// train/eval behaviour, Keras' trainable=False, PyTorch golden values through the layers
// (tests/golden/norm.json), gradient checks and error messages naming the layer.
#include <catch2/catch.hpp>
#include <close.h>

#include <janus/core/autograd.h>
#include <janus/core/random.h>
#include <janus/layers/norm.h>

#include "fixtures.h"
#include "gradcheck.h"

using namespace janus;
using namespace janus::testing;  // close.h
using janus::testing::Fixture;

namespace {

std::vector<std::string> names(const NamedTensors& ts) {
  std::vector<std::string> out;
  for (const auto& [name, t] : ts) out.push_back(name);
  return out;
}

const Fixture& golden() {
  static const Fixture f = Fixture::load("norm.json");
  return f;
}

// y = layer(x) must match <key>.y and, with upstream <key>.r, <key>.dx.
void check_golden(nn::Module& layer, const std::string& key, const Tensor& x_in) {
  Tensor x = x_in.clone().requires_grad_();
  Tensor y = layer(x);
  INFO(key << ": max |diff| y " << max_abs_diff(y, golden().tensor(key + ".y")));
  CHECK(allclose(y, golden().tensor(key + ".y"), 2e-5f, 2e-5f));
  y.backward(golden().tensor(key + ".r"));
  CHECK(allclose(x.grad(), golden().tensor(key + ".dx"), 2e-5f, 2e-5f));
}

}  // namespace

TEST_CASE("BatchNorm2d has PyTorch's names and matches PyTorch over training steps", "[norm]") {
  nn::BatchNorm2d bn(nn::BatchNormOptions(3));
  CHECK(names(bn.named_parameters()) == std::vector<std::string>{"weight", "bias"});
  CHECK(names(bn.named_buffers()) ==
        std::vector<std::string>{"running_mean", "running_var", "num_batches_tracked"});
  CHECK(bn.num_parameters() == 6);
  CHECK(bn.repr() == "BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
  bn.weight.copy_(golden().tensor("bn2d.weight"));
  bn.bias.copy_(golden().tensor("bn2d.bias"));
  for (int step = 0; step < 3; ++step) {
    const std::string k = "bn2d.step" + std::to_string(step);
    check_golden(bn, k, golden().tensor(k + ".x"));
    CHECK(allclose(bn.running_var, golden().tensor(k + ".running_var"), 2e-5f, 2e-5f));
  }
  CHECK(bn.num_batches_tracked.item() == 3.0f);
  bn.eval();
  check_golden(bn, "bn2d.eval", golden().tensor("bn2d.eval.x"));
}

TEST_CASE("BatchNorm momentum None and track_running_stats False", "[norm]") {
  nn::BatchNorm2d cum(nn::BatchNormOptions(3).momentum(std::nullopt));
  CHECK(cum.repr().find("momentum=None") != std::string::npos);
  cum.weight.copy_(golden().tensor("bn2d_cum.weight"));
  cum.bias.copy_(golden().tensor("bn2d_cum.bias"));
  for (int step = 0; step < 3; ++step) {
    const std::string k = "bn2d_cum.step" + std::to_string(step);
    check_golden(cum, k, golden().tensor(k + ".x"));
    CHECK(allclose(cum.running_mean, golden().tensor(k + ".running_mean"), 2e-5f, 2e-5f));
  }
  nn::BatchNorm2d plain(nn::BatchNormOptions(3).track_running_stats(false));
  CHECK(plain.named_buffers().empty());
  plain.eval();  // still batch statistics
  check_golden(plain, "bn2d_notrack", golden().tensor("bn2d_notrack.x"));
  nn::BatchNorm1d bn1(nn::BatchNormOptions(4));
  bn1.weight.copy_(golden().tensor("bn1d.weight"));
  bn1.bias.copy_(golden().tensor("bn1d.bias"));
  check_golden(bn1, "bn1d", golden().tensor("bn1d.x"));
}

TEST_CASE("Keras profile BatchNormalization names conventions and trainable False", "[norm]") {
  nn::BatchNorm2d bn(nn::BatchNormOptions(2).profile(nn::NormProfile::keras));
  CHECK(bn.type_name() == "BatchNormalization");
  CHECK(names(bn.named_parameters()) == std::vector<std::string>{"gamma", "beta"});
  CHECK(names(bn.named_buffers()) == std::vector<std::string>{"moving_mean", "moving_variance"});
  CHECK(bn.norm_options().eps_ == 1e-3);
  CHECK(bn.norm_options().momentum_ == 0.99);
  Generator gen(1);
  const Tensor x = normal({4, 2, 3, 3}, 2.0f, 3.0f, &gen);
  bn(x);
  // moving = 0.99 * moving + 0.01 * batch, biased variance (m = 36).
  double s = 0;
  for (int64_t n = 0; n < 4; ++n)
    for (int64_t i = 0; i < 9; ++i) s += x.data()[n * 18 + i];
  CHECK(bn.running_mean.data()[0] == Approx(0.01 * s / 36).epsilon(1e-5));
  // trainable=False: moving statistics even in training mode, and no update.
  bn.set_trainable(false);
  const Tensor before = bn.running_mean.clone();
  const Tensor y = bn(x);
  CHECK_THAT(bn.running_mean, IsIdentical(before));
  bn.eval();
  CHECK_THAT(bn(x), IsIdentical(y));
}

TEST_CASE("InstanceNorm2d GroupNorm LayerNorm layers match PyTorch", "[norm]") {
  nn::InstanceNorm2d plain(nn::InstanceNormOptions(3));
  CHECK(plain.named_parameters().empty());
  CHECK(plain.named_buffers().empty());
  check_golden(plain, "in_plain", golden().tensor("in.x"));
  nn::InstanceNorm2d affine(nn::InstanceNormOptions(3).affine(true));
  affine.weight.copy_(golden().tensor("in_affine.weight"));
  affine.bias.copy_(golden().tensor("in_affine.bias"));
  check_golden(affine, "in_affine", golden().tensor("in.x"));
  for (int g : {1, 2, 4}) {
    nn::GroupNorm gn(nn::GroupNormOptions(g, 4));
    const std::string k = "gn" + std::to_string(g);
    gn.weight.copy_(golden().tensor(k + ".weight"));
    gn.bias.copy_(golden().tensor(k + ".bias"));
    check_golden(gn, k, golden().tensor("gn.x"));
  }
  nn::LayerNorm ln(nn::LayerNormOptions({4, 5}));
  CHECK(ln.repr() == "LayerNorm((4, 5), eps=1e-05, elementwise_affine=True)");
  ln.weight.copy_(golden().tensor("ln.weight"));
  ln.bias.copy_(golden().tensor("ln.bias"));
  check_golden(ln, "ln", golden().tensor("ln.x"));
  nn::LayerNorm kln(nn::LayerNormOptions({5}).profile(nn::NormProfile::keras));
  CHECK(names(kln.named_parameters()) == std::vector<std::string>{"gamma", "beta"});
}

TEST_CASE("PerChannelStdNorm reproduces both seeds and is mode independent", "[norm]") {
  nn::PerChannelStdNorm keras_seed;
  nn::PerChannelStdNorm torch_seed(nn::PerChannelStdNormOptions().unbiased(true));
  CHECK(keras_seed.num_parameters() == 0);
  check_golden(keras_seed, "seed_keras4", golden().tensor("seed4.x"));
  check_golden(torch_seed, "seed_torch2", golden().tensor("seed2.x"));
  const Tensor x = golden().tensor("seed4.x");
  const Tensor a = torch_seed(x);
  torch_seed.eval();
  CHECK_THAT(torch_seed(x), IsIdentical(a));
}

TEST_CASE("normalization layers pass gradcheck in train and eval", "[norm]") {
  Generator gen(7);
  auto bn = std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions(3));
  auto gn = std::make_shared<nn::GroupNorm>(nn::GroupNormOptions(2, 4));
  {  // give BN non-trivial running statistics
    NoGradGuard ng;
    (*bn)(normal({4, 3, 3, 3}, 1.0f, 2.0f, &gen));
  }
  bn->weight.copy_(uniform({3}, 0.5f, 1.5f, &gen));
  for (bool training : {true, false}) {
    bn->train(training);
    // In training the output does not read the running stats it updates; in eval nothing
    // is updated: either way the function is deterministic.
    auto r = janus::testing::gradcheck([&](const std::vector<Tensor>& in) { return (*bn)(in[0]); },
                                       {normal({3, 3, 2, 2}, 0.0f, 1.5f, &gen)});
    INFO(r.message);
    CHECK(r.ok);
    auto r2 = janus::testing::gradcheck([&](const std::vector<Tensor>& in) { return (*gn)(in[0]); },
                                        {normal({2, 4, 2, 2}, 0.0f, 1.5f, &gen)});
    INFO(r2.message);
    CHECK(r2.ok);
  }
}

TEST_CASE("normalization layer errors name the layer", "[norm]") {
  nn::BatchNorm2d bn(nn::BatchNormOptions(4));
  CHECK_THROWS_WITH(bn(ones({2, 3, 4, 4})), Catch::Contains("BatchNorm2d") && Catch::Contains("has 3 channels") &&
                                                Catch::Contains("built for 4"));
  CHECK_THROWS_WITH(bn(ones({2, 4})), Catch::Contains("expected 4-D"));
  nn::BatchNorm1d b1(nn::BatchNormOptions(3));
  CHECK_THROWS_WITH(b1(ones({1, 3})),
                    Catch::Contains("BatchNorm1d") &&
                        Catch::Contains("Expected more than 1 value per channel when training, got input size [1, 3]"));
  b1.eval();
  CHECK_NOTHROW(b1(ones({1, 3})));
  CHECK_THROWS_WITH(nn::GroupNorm(nn::GroupNormOptions(3, 4)), Catch::Contains("multiple of num_groups (3)"));
  nn::LayerNorm ln(nn::LayerNormOptions({5}));
  CHECK_THROWS_WITH(ln(ones({2, 4})), Catch::Contains("trailing shape [5]") && Catch::Contains("[2, 4]"));
}
