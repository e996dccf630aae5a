// PyTorch checkpoints load into janus models built from the same layers and reproduce
// PyTorch's outputs (eval and train mode), BN running-statistic updates and gradients
// to 1e-5. Fixtures: tests/golden/gen_state_dict.py (torch 1.13), state_dict_*.safetensors
// written by that script with numpy, num_batches_tracked stored as I64 as PyTorch does.
#include <janus/core/ops.h>
#include <janus/layers/activation.h>
#include <janus/layers/checkpoint.h>
#include <janus/layers/conv.h>
#include <janus/layers/flatten.h>
#include <janus/layers/linear.h>
#include <janus/layers/norm.h>
#include <janus/layers/pool.h>
#include <janus/layers/sequential.h>

#include <catch2/catch.hpp>
#include <close.h>
#include <fixtures.h>

#include <string>

using namespace janus;
using namespace janus::testing;  // close.h
using janus::testing::Fixture;
using janus::testing::require_close;

namespace {

std::shared_ptr<nn::Sequential> build(bool with_bn) {
  auto net = std::make_shared<nn::Sequential>();
  net->push_back(std::make_shared<nn::Conv2d>(nn::Conv2dOptions(3, 4, 3).padding(1)));
  if (with_bn) net->push_back(std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions(4)));
  net->push_back(std::make_shared<nn::ReLU>());
  net->push_back(std::make_shared<nn::MaxPool2d>(2));
  net->push_back(std::make_shared<nn::Flatten>());
  net->push_back(std::make_shared<nn::Linear>(64, 5));
  return net;
}

void check_model(const std::string& tag, bool with_bn) {
  const Fixture f = Fixture::load("state_dict.json");
  auto net = build(with_bn);
  const std::string path = std::string(JANUS_GOLDEN_DIR) + "/state_dict_" + tag + ".safetensors";
  nn::LoadResult r = nn::load_state_dict(*net, path);  // strict: every name and shape matches
  CHECK(r.ok());
  const Tensor x = f.tensor("x");

  net->eval();
  require_close((*net)(x), f.tensor(tag + ".out_eval"), tag + " eval output");

  net->train();
  net->zero_grad();
  Tensor out = (*net)(x);
  require_close(out, f.tensor(tag + ".out_train"), tag + " train output");
  sum(out * f.tensor("proj")).backward();
  auto conv = std::dynamic_pointer_cast<nn::Conv2d>((*net)[0]);
  auto fc = std::dynamic_pointer_cast<nn::Linear>((*net)[net->size() - 1]);
  require_close(conv->weight.grad(), f.tensor(tag + ".grad.0.weight"), tag + " conv weight grad");
  require_close(fc->weight.grad(), f.tensor(tag + ".grad.last.weight"), tag + " linear weight grad");
  require_close(fc->bias.grad(), f.tensor(tag + ".grad.last.bias"), tag + " linear bias grad");
  if (with_bn) {
    auto bn = std::dynamic_pointer_cast<nn::BatchNorm2d>((*net)[1]);
    require_close(bn->running_mean, f.tensor("bn.after.running_mean"), "running_mean after a train forward");
    require_close(bn->running_var, f.tensor("bn.after.running_var"), "running_var after a train forward");
    CHECK(bn->num_batches_tracked.item() == static_cast<float>(f.value("bn.after.num_batches_tracked")));
    require_close(bn->weight.grad(), f.tensor("bn.grad.1.weight"), "bn weight grad");
  }
}

}  // namespace

TEST_CASE("pytorch checkpoint without BN reproduces outputs and gradients", "[module][safetensors]") {
  check_model("plain", false);
}

TEST_CASE("pytorch checkpoint with BatchNorm2d reproduces outputs stats and gradients", "[module][safetensors]") {
  auto net = build(true);
  std::vector<std::string> names;
  for (auto& [n, t] : net->state_dict()) names.push_back(n);
  CHECK(names == std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                                          "1.running_var", "1.num_batches_tracked", "5.weight", "5.bias"});
  check_model("bn", true);
}

TEST_CASE("saving a loaded pytorch checkpoint gives the same tensors back", "[module][safetensors]") {
  auto net = build(true);
  const std::string src = std::string(JANUS_GOLDEN_DIR) + "/state_dict_bn.safetensors";
  nn::load_state_dict(*net, src);
  const std::string path = "janus_test_resave.safetensors";
  nn::save_state_dict(*net, path);
  NamedTensors a = load_safetensors(src), b = load_safetensors(path);
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].first == b[i].first);
    CHECK_THAT(a[i].second, IsIdentical(b[i].second));
  }
  std::remove(path.c_str());
}
