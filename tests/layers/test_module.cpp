// nn::Module: ordered registration and dotted names, modes, trainable flag, state dicts
// (strict and non-strict loads), repr, and module checkpoints through safetensors.
#include <janus/core/ops.h>
#include <janus/core/random.h>
#include <janus/layers/activation.h>
#include <janus/layers/checkpoint.h>
#include <janus/layers/conv.h>
#include <janus/layers/dropout.h>
#include <janus/layers/flatten.h>
#include <janus/layers/linear.h>
#include <janus/layers/pool.h>
#include <janus/layers/sequential.h>

#include <catch2/catch.hpp>
#include <close.h>

#include <cstdio>
#include <string>

using namespace janus;
using namespace janus::testing;  // close.h

namespace {

// A module with its own parameter and buffer plus a child, to test ordering and recursion.
struct Block : nn::Module {
  Block() : Module("Block") {
    conv = register_module("conv", std::make_shared<nn::Conv2d>(nn::Conv2dOptions(2, 3, 3).padding(1).bias(false)));
    scale = register_parameter("scale", ones({3}));
    count = register_buffer("count", zeros({}));
  }
  Tensor forward(const Tensor& x) override { return (*conv)(x) * scale.reshape({1, 3, 1, 1}); }
  std::shared_ptr<nn::Conv2d> conv;
  Tensor scale, count;
};

std::vector<std::string> names(const NamedTensors& list) {
  std::vector<std::string> out;
  for (const auto& [n, t] : list) out.push_back(n);
  return out;
}

std::shared_ptr<nn::Sequential> small_net(Generator* gen) {
  auto net = std::make_shared<nn::Sequential>();
  net->push_back(std::make_shared<nn::Conv2d>(nn::Conv2dOptions(3, 4, 3).padding(1).generator(gen)));
  net->push_back(std::make_shared<nn::ReLU>());
  net->push_back(std::make_shared<nn::MaxPool2d>(2));
  net->push_back(std::make_shared<nn::Flatten>());
  net->push_back(std::make_shared<nn::Linear>(nn::LinearOptions(4 * 2 * 2, 5).generator(gen)));
  return net;
}

}  // namespace

TEST_CASE("module registers in order with dotted recursive names", "[module]") {
  auto top = std::make_shared<nn::Sequential>();
  top->push_back(std::make_shared<Block>());
  top->push_back(std::make_shared<nn::ReLU>());
  top->push_back(std::make_shared<nn::Linear>(3, 2));
  CHECK(names(top->named_parameters()) ==
        std::vector<std::string>{"0.scale", "0.conv.weight", "2.weight", "2.bias"});  // torch's order
  CHECK(names(top->named_buffers()) == std::vector<std::string>{"0.count"});
  // state_dict: a module's own parameters, then its own buffers, then its children.
  auto block = std::make_shared<Block>();
  CHECK(names(block->state_dict()) == std::vector<std::string>{"scale", "count", "conv.weight"});
  CHECK(names(block->named_parameters(false)) == std::vector<std::string>{"scale"});
  CHECK(top->children().size() == 3);
  CHECK(top->named_children()[2].first == "2");
  CHECK(top->num_parameters() == 3 * 2 * 9 + 3 + 3 * 2 + 2);
  std::vector<std::string> mods;
  for (auto& [n, m] : top->named_modules()) mods.push_back(n + ":" + m->type_name());
  CHECK(mods == std::vector<std::string>{":Sequential", "0:Block", "0.conv:Conv2d", "1:ReLU", "2:Linear"});
  // Handles share storage with what is registered.
  block->scale.fill_(2.0f);
  CHECK(block->parameter("scale").at({1}) == 2.0f);
  CHECK(block->parameter("scale").requires_grad());
  CHECK_FALSE(block->buffer("count").requires_grad());
}

TEST_CASE("module rejects bad and duplicate names", "[module]") {
  Block b;
  CHECK_THROWS_WITH(b.register_parameter("scale", ones({1})), Catch::Contains("already used"));
  CHECK_THROWS_WITH(b.register_buffer("conv", ones({1})), Catch::Contains("already used"));
  CHECK_THROWS_WITH(b.register_parameter("a.b", ones({1})), Catch::Contains("must not contain '.'"));
  CHECK_THROWS_AS(b.register_parameter("", ones({1})), Error);
  CHECK_THROWS_WITH(b.parameter("nope"), Catch::Contains("Block: no parameter named 'nope'"));
  CHECK_THROWS_AS(b.child("nope"), Error);
  nn::ModuleList list;
  list.push_back(std::make_shared<nn::ReLU>());
  CHECK_THROWS_WITH(list(ones({2})), Catch::Contains("ModuleList"));
}

TEST_CASE("train and eval recurse and apply visits every module", "[module]") {
  auto net = small_net(nullptr);
  CHECK(net->is_training());
  net->eval();
  for (auto& m : net->children()) CHECK_FALSE(m->is_training());
  CHECK_FALSE(net->run_context().training);
  net->train();
  for (auto& m : net->children()) CHECK(m->is_training());
  std::vector<std::string> order;
  net->apply([&](nn::Module& m) { order.push_back(m.type_name()); });
  CHECK(order == std::vector<std::string>{"Conv2d", "ReLU", "MaxPool2d", "Flatten", "Linear", "Sequential"});
}

TEST_CASE("trainable false freezes parameters recursively", "[module]") {
  auto net = small_net(nullptr);
  net->set_trainable(false);
  for (auto& p : net->parameters()) CHECK_FALSE(p.requires_grad());
  CHECK_FALSE((*net)[0]->is_trainable());
  Tensor y = (*net)(ones({1, 3, 4, 4}));
  CHECK_FALSE(y.requires_grad());
  (*net)[4]->set_trainable(true);
  CHECK((*net)[4]->parameters()[0].requires_grad());
  CHECK_FALSE((*net)[0]->parameters()[0].requires_grad());
}

TEST_CASE("zero_grad drops gradients after backward", "[module]") {
  Generator gen(3);
  auto net = small_net(&gen);
  Tensor loss = sum((*net)(randn({2, 3, 4, 4}, &gen)));
  loss.backward();
  for (auto& p : net->parameters()) REQUIRE(p.grad().defined());
  net->zero_grad();
  for (auto& p : net->parameters()) CHECK_FALSE(p.grad().defined());
}

TEST_CASE("load_state_dict copies values and keeps handles", "[module]") {
  Generator g1(1), g2(2);
  auto a = small_net(&g1);
  auto b = small_net(&g2);
  Tensor x = randn({2, 3, 4, 4}, &g1);
  REQUIRE(max_abs_diff((*a)(x), (*b)(x)) > 1e-3f);
  Tensor w_handle = std::dynamic_pointer_cast<nn::Conv2d>((*b)[0])->weight;
  nn::LoadResult r = b->load_state_dict(a->state_dict());
  CHECK(r.ok());
  CHECK_THAT((*a)(x), IsIdentical((*b)(x)));
  CHECK_THAT(w_handle, IsIdentical(std::dynamic_pointer_cast<nn::Conv2d>((*a)[0])->weight));
  // Copies, not aliases: changing a does not change b.
  a->parameters()[0].fill_(7.0f);
  CHECK(b->parameters()[0].at({0, 0, 0, 0}) != 7.0f);
}

TEST_CASE("strict load lists missing unexpected and mis-shaped keys", "[module]") {
  auto net = small_net(nullptr);
  NamedTensors dict = net->state_dict();
  Tensor before = net->parameters()[0].clone();
  dict.erase(dict.begin() + 1);                          // "0.bias" missing
  dict.emplace_back("9.weight", ones({2}));               // unexpected
  dict[1].second = zeros({5, 3});                         // "4.weight" mis-shaped
  dict[0].second = zeros(dict[0].second.shape());         // would load if non-strict
  try {
    net->load_state_dict(dict);
    FAIL("expected an error");
  } catch (const Error& e) {
    const std::string msg = e.what();
    CHECK_THAT(msg, Catch::Contains("missing keys: 0.bias"));
    CHECK_THAT(msg, Catch::Contains("unexpected keys: 9.weight"));
    CHECK_THAT(msg, Catch::Contains("4.weight: module [5, 16], dict [5, 3]"));
  }
  CHECK_THAT(net->parameters()[0], IsIdentical(before));  // strict failure loads nothing
  nn::LoadResult r = net->load_state_dict(dict, /*strict=*/false);
  CHECK(r.missing_keys == std::vector<std::string>{"0.bias"});
  CHECK(r.unexpected_keys == std::vector<std::string>{"9.weight"});
  REQUIRE(r.mismatched_keys.size() == 1);
  CHECK(net->parameters()[0].at({0, 0, 0, 0}) == 0.0f);  // the matching key was loaded
}

TEST_CASE("repr prints like torch", "[module]") {
  auto net = std::make_shared<nn::Sequential>();
  net->push_back(std::make_shared<nn::Conv2d>(nn::Conv2dOptions(3, 32, 3).padding(1).bias(false)));
  net->push_back(std::make_shared<nn::ReLU>());
  auto inner = net->push_back(std::make_shared<nn::Sequential>());
  inner->push_back(std::make_shared<nn::Flatten>());
  inner->push_back(std::make_shared<nn::Dropout>(0.25));
  net->push_back(std::make_shared<nn::Linear>(8, 2));
  const std::string expected =
      "Sequential(\n"
      "  (0): Conv2d(3, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)\n"
      "  (1): ReLU()\n"
      "  (2): Sequential(\n"
      "    (0): Flatten(start_dim=1, end_dim=-1)\n"
      "    (1): Dropout(p=0.25, inplace=False)\n"
      "  )\n"
      "  (3): Linear(in_features=8, out_features=2, bias=True)\n"
      ")";
  CHECK(net->repr() == expected);
  CHECK(nn::MaxPool2d(2).repr() == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)");
  CHECK(nn::AdaptiveAvgPool2d(1).repr() == "AdaptiveAvgPool2d(output_size=1)");
  CHECK(nn::Conv2d(nn::Conv2dOptions(4, 8, 3).stride(2).groups(2)).repr() ==
        "Conv2d(4, 8, kernel_size=(3, 3), stride=(2, 2), groups=2)");
  CHECK(net->name() == "sequential");
  CHECK(nn::Conv2d(nn::Conv2dOptions(1, 1, 1)).set_name("stem").name() == "stem");
}

TEST_CASE("module checkpoint round trip through safetensors", "[module][safetensors]") {
  Generator g1(11), g2(12);
  auto a = small_net(&g1);
  auto b = small_net(&g2);
  const std::string path = "janus_test_module_ckpt.safetensors";
  nn::save_state_dict(*a, path, {{"format", "pt"}});
  nn::load_state_dict(*b, path);
  Tensor x = randn({1, 3, 4, 4}, &g1);
  CHECK_THAT((*a)(x), IsIdentical((*b)(x)));
  // A model of another shape fails with the file's name and the bad key.
  auto other = std::make_shared<nn::Sequential>();
  other->push_back(std::make_shared<nn::Conv2d>(nn::Conv2dOptions(3, 6, 3)));
  try {
    nn::load_state_dict(*other, path);
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains(path));
    CHECK_THAT(std::string(e.what()), Catch::Contains("0.weight: module [6, 3, 3, 3], dict [4, 3, 3, 3]"));
  }
  std::remove(path.c_str());
}
