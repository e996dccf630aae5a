// The layers: init profiles (PyTorch's and Keras' bounds, seeding), forward equal to the
// functional ops, gradients through a Sequential, Dropout modes, Sequential's build-time
// shape checks and the errors naming the layer.
#include <janus/core/autograd.h>
#include <janus/core/ops.h>
#include <janus/core/random.h>
#include <janus/layers/activation.h>
#include <janus/layers/conv.h>
#include <janus/layers/dropout.h>
#include <janus/layers/flatten.h>
#include <janus/layers/init.h>
#include <janus/layers/linear.h>
#include <janus/layers/pool.h>
#include <janus/layers/sequential.h>

#include <catch2/catch.hpp>
#include <close.h>
#include <gradcheck.h>

#include <cmath>
#include <string>

using namespace janus;
using namespace janus::testing;  // close.h

namespace {

float max_abs(const Tensor& t) {
  float m = 0.0f;
  for (float v : t.to_vector()) m = std::max(m, std::fabs(v));
  return m;
}

double variance(const Tensor& t) {
  double s = 0, s2 = 0;
  for (float v : t.to_vector()) s += v, s2 += double(v) * v;
  const double n = double(t.numel());
  return s2 / n - (s / n) * (s / n);
}

}  // namespace

TEST_CASE("fans follow the torch and keras rules", "[layers]") {
  nn::init::Fans f = nn::init::compute_fans({16, 8, 3, 3});
  CHECK(f.fan_in == 72);
  CHECK(f.fan_out == 144);
  f = nn::init::compute_fans({10, 128});
  CHECK(f.fan_in == 128);
  CHECK(f.fan_out == 10);
  CHECK_THROWS_AS(nn::init::compute_fans({5}), Error);
}

TEST_CASE("torch init profile draws within 1 over sqrt fan_in", "[layers]") {
  Generator gen(5);
  nn::Conv2d conv(nn::Conv2dOptions(16, 32, 3).generator(&gen));
  const float bound = 1.0f / std::sqrt(16.0f * 9.0f);
  CHECK(max_abs(conv.weight) <= bound);
  CHECK(max_abs(conv.weight) > 0.95f * bound);  // 4608 draws fill the range
  CHECK(variance(conv.weight) == Approx(bound * bound / 3.0).epsilon(0.08));
  CHECK(max_abs(conv.bias) <= bound);
  CHECK(max_abs(conv.bias) > 0.0f);
  nn::Linear fc(nn::LinearOptions(50, 40).generator(&gen));
  CHECK(max_abs(fc.weight) <= 1.0f / std::sqrt(50.0f));
  CHECK(max_abs(fc.weight) > 0.95f / std::sqrt(50.0f));
}

TEST_CASE("keras init profile is glorot uniform with zero bias", "[layers]") {
  Generator gen(6);
  nn::Conv2d conv(nn::Conv2dOptions(16, 32, 3).init(nn::InitProfile::keras).generator(&gen));
  const float limit = std::sqrt(6.0f / (16 * 9 + 32 * 9));
  CHECK(max_abs(conv.weight) <= limit);
  CHECK(max_abs(conv.weight) > 0.95f * limit);
  CHECK(variance(conv.weight) == Approx(limit * limit / 3.0).epsilon(0.08));
  CHECK(max_abs(conv.bias) == 0.0f);
  nn::Linear fc(nn::LinearOptions(30, 20).init(nn::InitProfile::keras).generator(&gen));
  CHECK(max_abs(fc.weight) <= std::sqrt(6.0f / 50.0f));
  CHECK(max_abs(fc.bias) == 0.0f);
}

TEST_CASE("same generator seed gives the same weights", "[layers]") {
  Generator a(42), b(42), c(43);
  nn::Linear la(nn::LinearOptions(8, 4).generator(&a));
  nn::Linear lb(nn::LinearOptions(8, 4).generator(&b));
  nn::Linear lc(nn::LinearOptions(8, 4).generator(&c));
  CHECK_THAT(la.weight, IsIdentical(lb.weight));
  CHECK_THAT(la.bias, IsIdentical(lb.bias));
  CHECK(max_abs_diff(la.weight, lc.weight) > 0.0f);
}

TEST_CASE("layers compute what the functional ops compute", "[layers]") {
  Generator gen(7);
  Tensor x = randn({2, 4, 6, 6}, &gen);
  nn::Conv2d conv(nn::Conv2dOptions(4, 6, 3).stride(2).padding(1).groups(2).generator(&gen));
  CHECK(conv.weight.shape() == Shape{6, 2, 3, 3});
  Tensor want = conv2d(x, conv.weight, conv.bias, Conv2dOptions().stride(2).padding(1).groups(2));
  CHECK_THAT(conv(x), IsIdentical(want));
  CHECK(conv(x).shape() == Shape{2, 6, 3, 3});

  nn::Conv2d nobias(nn::Conv2dOptions(4, 2, 1).bias(false));
  CHECK_FALSE(nobias.bias.defined());
  CHECK(nobias.named_parameters().size() == 1);

  CHECK_THAT(nn::ReLU()(x), IsIdentical(relu(x)));
  CHECK_THAT(nn::Sigmoid()(x), IsIdentical(sigmoid(x)));
  CHECK_THAT(nn::Tanh()(x), IsIdentical(tanh(x)));
  CHECK_THAT(nn::MaxPool2d(2)(x), IsIdentical(max_pool2d(x, Pool2dOptions(2))));
  CHECK(max_abs_diff(nn::AvgPool2d(Pool2dOptions(3).stride(1).padding(1))(x),
                     avg_pool2d(x, Pool2dOptions(3).stride(1).padding(1))) == 0.0f);
  CHECK(nn::AdaptiveAvgPool2d(1)(x).shape() == Shape{2, 4, 1, 1});
  CHECK(allclose(nn::AdaptiveAvgPool2d(1)(x), mean(x, {2, 3}, true), 1e-5f, 1e-6f));
  CHECK(nn::AdaptiveAvgPool2d(2, 3)(x).shape() == Shape{2, 4, 2, 3});
  CHECK(nn::Flatten()(x).shape() == Shape{2, 144});
  CHECK(nn::Flatten(2)(x).shape() == Shape{2, 4, 36});
  CHECK(nn::Flatten(0, 1)(x).shape() == Shape{8, 6, 6});

  nn::Linear fc(nn::LinearOptions(6, 3).generator(&gen));
  Tensor x2 = randn({5, 6}, &gen);
  CHECK_THAT(fc(x2), IsIdentical(linear(x2, fc.weight, fc.bias)));
  Tensor x3 = randn({2, 5, 6}, &gen);  // leading axes are folded
  Tensor y3 = fc(x3);
  CHECK(y3.shape() == Shape{2, 5, 3});
  CHECK(allclose(y3.reshape({10, 3}), linear(x3.reshape({10, 6}), fc.weight, fc.bias), 1e-6f, 1e-6f));
}

TEST_CASE("gradients flow through a Sequential to input and parameters", "[layers]") {
  Generator gen(8);
  auto net = std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Conv2d>(nn::Conv2dOptions(2, 3, 3).padding(1).generator(&gen)),
      std::make_shared<nn::Tanh>(), std::make_shared<nn::AvgPool2d>(2), std::make_shared<nn::Flatten>(),
      std::make_shared<nn::Linear>(nn::LinearOptions(3 * 2 * 2, 2).generator(&gen)), std::make_shared<nn::Sigmoid>()});
  Tensor x = randn({2, 2, 4, 4}, &gen);
  auto r = janus::testing::gradcheck([&](const std::vector<Tensor>& in) { return (*net)(in[0]); }, {x});
  INFO(r.message);
  CHECK(r.ok);
  // Parameter gradients equal those of the same computation written with functional ops.
  auto conv = std::dynamic_pointer_cast<nn::Conv2d>((*net)[0]);
  auto fc = std::dynamic_pointer_cast<nn::Linear>((*net)[4]);
  net->zero_grad();
  sum((*net)(x) * (*net)(x)).backward();
  Tensor gw = conv->weight.grad().clone(), gb = fc->bias.grad().clone();
  net->zero_grad();
  auto f = [&] {
    Tensor h = avg_pool2d(tanh(conv2d(x, conv->weight, conv->bias, Conv2dOptions().padding(1))), Pool2dOptions(2));
    return sigmoid(linear(h.flatten(1), fc->weight, fc->bias));
  };
  sum(f() * f()).backward();
  CHECK(allclose(gw, conv->weight.grad(), 1e-5f, 1e-6f));
  CHECK(allclose(gb, fc->bias.grad(), 1e-5f, 1e-6f));
}

TEST_CASE("dropout is active in train and identity in eval", "[layers]") {
  Generator gen(9);
  nn::Dropout drop(0.5, &gen);
  Tensor x = ones({1000});
  Tensor y = drop(x);
  int zeros_seen = 0;
  for (float v : y.to_vector()) {
    if (v == 0.0f) ++zeros_seen;
    else CHECK(v == Approx(2.0f));
  }
  CHECK(zeros_seen > 400);
  CHECK(zeros_seen < 600);
  drop.eval();
  CHECK_THAT(drop(x), IsIdentical(x));
  CHECK_THROWS_WITH(nn::Dropout(1.0), Catch::Contains("0 <= p < 1"));
}

TEST_CASE("sequential checks shapes when layers are added", "[layers]") {
  nn::Sequential net;
  net.push_back(std::make_shared<nn::Conv2d>(nn::Conv2dOptions(3, 8, 3)));
  net.push_back(std::make_shared<nn::ReLU>());
  net.push_back(std::make_shared<nn::MaxPool2d>(2));
  CHECK_THROWS_WITH(net.push_back(std::make_shared<nn::Conv2d>(nn::Conv2dOptions(4, 8, 3))),
                    Catch::Contains("layer 3 (Conv2d(4, 8") && Catch::Contains("expects 4 input channels") &&
                        Catch::Contains("layer 0 (Conv2d(3, 8") && Catch::Contains("produces 8"));
  CHECK(net.size() == 3);  // the failed add left nothing behind
  net.push_back(std::make_shared<nn::Conv2d>(nn::Conv2dOptions(8, 4, 1)));
  net.push_back(std::make_shared<nn::Flatten>());
  net.push_back(std::make_shared<nn::Linear>(36, 10));
  net.push_back(std::make_shared<nn::Dropout>(0.1));
  CHECK_THROWS_WITH(net.push_back(std::make_shared<nn::Linear>(12, 2)), Catch::Contains("expects 12 input features"));
  net.add(std::make_shared<nn::Linear>(10, 2));
  CHECK(net.size() == 8);
  CHECK((*net[7]).type_name() == "Linear");
  CHECK_THROWS_AS(net[8], Error);
  CHECK(net(zeros({2, 3, 8, 8})).shape() == Shape{2, 2});
}

TEST_CASE("layer errors name the layer and both shapes", "[layers]") {
  nn::Conv2d conv(nn::Conv2dOptions(3, 4, 3));
  CHECK_THROWS_WITH(conv(zeros({2, 5, 8, 8})),
                    Catch::Contains("Conv2d: input has 5 channels but the layer expects in_channels=3") &&
                        Catch::Contains("[2, 5, 8, 8]") && Catch::Contains("[4, 3, 3, 3]"));
  CHECK_THROWS_WITH(conv(zeros({5, 8, 8})), Catch::Contains("expected 4-D input"));
  CHECK_THROWS_WITH(conv(zeros({1, 3, 2, 2})), Catch::Contains("smaller than"));
  CHECK_THROWS_WITH(nn::Conv2d(nn::Conv2dOptions(3, 4, 3).groups(2)), Catch::Contains("divisible by groups"));
  CHECK_THROWS_AS(nn::Conv2d(nn::Conv2dOptions(3, 4, 0)), Error);
  nn::Linear fc(10, 2);
  fc.set_name("head");
  CHECK_THROWS_WITH(fc(zeros({2, 3, 4, 4})), Catch::Contains("Linear ('head'): expected input with 10 features") &&
                                                 Catch::Contains("add a Flatten()"));
  CHECK_THROWS_WITH(nn::MaxPool2d(2)(zeros({1, 3, 1, 1})), Catch::Contains("MaxPool2d: input [1, 3, 1, 1]"));
  CHECK_THROWS_WITH(nn::AvgPool2d(2)(zeros({3, 4})), Catch::Contains("AvgPool2d: expected 4-D input"));
  CHECK_THROWS_WITH(nn::Flatten(3)(zeros({2, 3})), Catch::Contains("Flatten: cannot flatten axes 3..-1"));
  CHECK_THROWS_AS(nn::AdaptiveAvgPool2d(0), Error);
}
