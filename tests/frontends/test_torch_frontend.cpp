// The torch frontend: eager modules and functional ops, compile() to a Graph runner that
// matches eager forward/backward in both modes and trains through the module's optimizer.
#include <catch2/catch.hpp>
#include <close.h>

#include <janus/core/random.h>
#include <janus/torch/torch.h>

using namespace janus;
using namespace janus::testing;  // close.h
namespace tnn = janus::torch::nn;
namespace F = janus::torch::nn::functional;

namespace {
std::shared_ptr<tnn::Sequential> small_net() {
  auto net = std::make_shared<tnn::Sequential>();
  net->push_back(std::make_shared<tnn::Conv2d>(tnn::Conv2dOptions(3, 4, 3).padding(1)));
  net->push_back(std::make_shared<tnn::BatchNorm2d>(tnn::BatchNormOptions(4)));
  net->push_back(std::make_shared<tnn::ReLU>());
  net->push_back(std::make_shared<tnn::Dropout>(0.0));
  net->push_back(std::make_shared<tnn::MaxPool2d>(2));
  net->push_back(std::make_shared<tnn::Flatten>());
  net->push_back(std::make_shared<tnn::Linear>(16, 3));
  return net;
}
}  // namespace

TEST_CASE("torch compile runs the graph and matches eager in train and eval", "[torch]") {
  manual_seed(3);
  auto eager = small_net();
  manual_seed(3);
  auto net = small_net();
  Generator gen(4);
  const Tensor x = randn({2, 3, 4, 4}, &gen), y = from_vector({0, 2}, {2});
  auto compiled = torch::compile(net, x);
  CHECK(compiled.graph().dump().find("%1 = conv2d(%0, @0.weight, @0.bias)") != std::string::npos);
  CHECK(compiled.graph().parameter_count() == net->num_parameters());
  for (bool training : {true, false}) {
    eager->train(training);
    compiled.train(training);
    const Tensor a = (*eager)(x), b = compiled(x);
    CHECK_THAT(a, IsIdentical(b));
    eager->zero_grad();
    net->zero_grad();
    tnn::CrossEntropyLoss()(a, y).backward();
    tnn::CrossEntropyLoss()(b, y).backward();
    const auto pe = eager->named_parameters(), pc = compiled.named_parameters();
    for (size_t i = 0; i < pe.size(); ++i) CHECK_THAT(pe[i].second.grad(), IsIdentical(pc[i].second.grad()));
  }
  // The module's optimizer trains the compiled model (shared parameters).
  compiled.train();
  torch::optim::SGD opt(compiled.parameters(), torch::optim::SGDOptions(0.1));
  const float before = tnn::CrossEntropyLoss()(compiled(x), y).item();
  for (int i = 0; i < 5; ++i) {
    opt.zero_grad();
    Tensor loss = tnn::CrossEntropyLoss()(compiled(x), y);
    loss.backward();
    opt.step();
  }
  CHECK(tnn::CrossEntropyLoss()(compiled(x), y).item() < before);
}

TEST_CASE("torch compile fuses BatchNorm2d and ReLU and keeps eager statistics", "[torch][fusion]") {
  manual_seed(5);
  auto eager = small_net();
  manual_seed(5);
  auto net = small_net();
  Generator gen(6);
  const Tensor x = randn({3, 3, 4, 4}, &gen);
  auto compiled = torch::compile(net, x);
  const std::string dump = compiled.graph().dump();
  INFO(dump);
  // Eager nn::Sequential already runs BatchNorm2d -> ReLU as one fused normalize
  // (nn::FusesRelu), so the raw trace has no relu node and the compiled graph the same one.
  CHECK(torch::trace_module(*net, x).dump().find("relu(") == std::string::npos);
  CHECK(dump.find("relu(") == std::string::npos);
  CHECK(dump.find("relu=true} : [3, 4, 4, 4]\n  %3 = dropout(%2)") != std::string::npos);
  CHECK(compiled.graph().nodes().size() == torch::trace_module(*net, x).nodes().size());
  auto bn_e = std::static_pointer_cast<tnn::BatchNorm2d>(eager->named_children()[1].second);
  auto bn_c = std::static_pointer_cast<tnn::BatchNorm2d>(net->named_children()[1].second);
  for (int step = 0; step < 3; ++step) {
    const Tensor xs = randn({3, 3, 4, 4}, &gen);
    CHECK_THAT((*eager)(xs), IsIdentical(compiled(xs)));
  }
  CHECK_THAT(bn_e->running_mean, IsIdentical(bn_c->running_mean));
  CHECK_THAT(bn_e->running_var, IsIdentical(bn_c->running_var));
  CHECK(bn_c->num_batches_tracked.item() == 3.0f);
}

TEST_CASE("torch functional ops follow torch's argument order", "[torch]") {
  const Tensor x = from_vector({-1, 2, -3, 4}, {1, 1, 2, 2});
  CHECK(F::relu(x).to_vector() == std::vector<float>{0, 2, 0, 4});
  CHECK(F::max_pool2d(x, 2).item() == 4.0f);
  CHECK(F::avg_pool2d(x, 2).item() == Approx(0.5f));
  CHECK(F::flatten(x).shape() == Shape{1, 4});
  CHECK(F::dropout(x, 0.5, /*training=*/false).to_vector() == x.to_vector());
  const Tensor logits = from_vector({0, 0}, {1, 2});
  CHECK(F::cross_entropy(logits, from_vector({1}, {1})).item() == Approx(std::log(2.0)));
  CHECK(tnn::MSELoss()(x, zeros({1, 1, 2, 2})).item() == Approx(7.5));
}
