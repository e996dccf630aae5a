// Elementwise ops: values, broadcasting (scalar, per-channel, general), gradients, errors.
#include <catch2/catch.hpp>

#include <janus/core/autograd.h>
#include <janus/core/op.h>
#include <janus/core/ops.h>
#include <janus/core/random.h>

#include <cmath>

#include "gradcheck.h"

using namespace janus;
using janus::testing::gradcheck;

TEST_CASE("arithmetic values and broadcasting", "[elementwise]") {
  Tensor a = from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
  CHECK((a + 1.0f).to_vector() == std::vector<float>{2, 3, 4, 5, 6, 7});
  CHECK((a * scalar(2.0f)).to_vector() == std::vector<float>{2, 4, 6, 8, 10, 12});
  CHECK((a - from_vector({1, 2, 3}, {3})).to_vector() == std::vector<float>{0, 0, 0, 3, 3, 3});
  CHECK((a / from_vector({1, 2}, {2, 1})).to_vector() == std::vector<float>{1, 2, 3, 2, 2.5f, 3});
  // Per-channel on NCHW: (N, C, H, W) + (1, C, 1, 1)
  Tensor x = zeros({2, 3, 2, 2});
  Tensor y = x + from_vector({1, 2, 3}, {1, 3, 1, 1});
  CHECK(y.at({1, 2, 1, 0}) == 3.0f);
  CHECK(y.at({0, 1, 0, 1}) == 2.0f);
  // Both sides broadcast: (3, 1) * (1, 4) -> (3, 4)
  Tensor outer = from_vector({1, 2, 3}, {3, 1}) * from_vector({1, 10, 100, 1000}, {1, 4});
  CHECK(outer.shape() == Shape{3, 4});
  CHECK(outer.at({2, 3}) == 3000.0f);
  CHECK_THROWS_WITH(a + ones({2}), Catch::Contains("add: shapes [2, 3] and [2] do not broadcast"));
}

TEST_CASE("unary ops match std math", "[elementwise]") {
  Tensor x = from_vector({-1.5f, -0.1f, 0.0f, 0.7f, 2.0f}, {5});
  Tensor p = from_vector({0.5f, 1.0f, 2.0f}, {3});
  for (int64_t i = 0; i < 5; ++i) {
    const float v = x.data()[i];
    CHECK(relu(x).data()[i] == std::max(v, 0.0f));
    CHECK(sigmoid(x).data()[i] == Approx(1.0f / (1.0f + std::exp(-v))));
    CHECK(tanh(x).data()[i] == Approx(std::tanh(v)));
    CHECK(exp(x).data()[i] == Approx(std::exp(v)));
    CHECK((-x).data()[i] == -v);
  }
  CHECK(log(p).to_vector()[0] == Approx(std::log(0.5f)));
  // NaN passes through relu, as in PyTorch.
  CHECK(std::isnan(relu(from_vector({std::nanf("")}, {1})).item()));
  CHECK(sqrt(p).to_vector()[2] == Approx(std::sqrt(2.0f)));
  CHECK(pow(p, 3.0f).to_vector()[2] == Approx(8.0f));
}

TEST_CASE("gradients of broadcasting binary ops", "[elementwise][gradcheck]") {
  Generator gen(1);
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{2, 3}, {2, 3}}, {{2, 3}, {}}, {{2, 3, 2, 2}, {1, 3, 1, 1}}, {{3, 1}, {1, 4}}, {{4}, {2, 3, 4}}};
  for (const auto& [sa, sb] : cases) {
    Tensor a = randn(sa, &gen), b = uniform(sb, 0.5f, 2.0f, &gen);
    INFO("shapes " << shape_str(sa) << " and " << shape_str(sb));
    CHECK(gradcheck([](const std::vector<Tensor>& in) { return in[0] + in[1]; }, {a, b}).ok);
    CHECK(gradcheck([](const std::vector<Tensor>& in) { return in[0] - in[1]; }, {a, b}).ok);
    CHECK(gradcheck([](const std::vector<Tensor>& in) { return in[0] * in[1]; }, {a, b}).ok);
    auto r = gradcheck([](const std::vector<Tensor>& in) { return in[0] / in[1]; }, {a, b});
    INFO(r.message);
    CHECK(r.ok);
  }
}

TEST_CASE("gradients of unary ops", "[elementwise][gradcheck]") {
  Generator gen(2);
  Tensor x = randn({3, 5}, &gen);
  Tensor pos = uniform({3, 5}, 0.5f, 2.0f, &gen);
  // Keep relu's inputs away from the kink at 0, where central differences are meaningless.
  Tensor away = x.clone();
  for (int64_t i = 0; i < away.numel(); ++i)
    if (std::fabs(away.data()[i]) < 0.05f) away.data()[i] = 0.3f;
  using F = std::function<Tensor(const std::vector<Tensor>&)>;
  const std::vector<std::pair<const char*, F>> ops = {
      {"neg", [](auto& in) { return -in[0]; }},
      {"exp", [](auto& in) { return exp(in[0]); }},
      {"sigmoid", [](auto& in) { return sigmoid(in[0]); }},
      {"tanh", [](auto& in) { return tanh(in[0]); }},
      {"relu", [](auto& in) { return relu(in[0]); }},
      {"add_scalar", [](auto& in) { return in[0] + 3.0f; }},
      {"mul_scalar", [](auto& in) { return in[0] * -2.5f; }}};
  for (const auto& [name, f] : ops) {
    auto r = gradcheck(f, {away});
    INFO(name << ": " << r.message);
    CHECK(r.ok);
  }
  const std::vector<std::pair<const char*, F>> positive_ops = {
      {"log", [](auto& in) { return log(in[0]); }},
      {"sqrt", [](auto& in) { return sqrt(in[0]); }},
      {"pow", [](auto& in) { return pow(in[0], 2.5f); }}};
  for (const auto& [name, f] : positive_ops) {
    auto r = gradcheck(f, {pos});
    INFO(name << ": " << r.message);
    CHECK(r.ok);
  }
}

TEST_CASE("the gradient checker catches a wrong backward", "[gradcheck]") {
  // A deliberately wrong op: forward x^2, backward claims 3x. The checker must fail.
  register_op({"test_wrong_square", [](const std::vector<Tensor>& in, const Attrs&, const RunContext&) {
                 Tensor out = in[0] * in[0];
                 out = out.detach().clone();
                 const Tensor xd = in[0].detach();
                 record(out, "test_wrong_square", in, [xd](const Tensor& g, const std::vector<bool>&) {
                   return std::vector<Tensor>{g.detach() * xd * 3.0f};
                 });
                 return out;
               }});
  Generator gen(3);
  auto r = gradcheck([](const std::vector<Tensor>& in) { return call_op("test_wrong_square", {in[0]}); },
                     {randn({4}, &gen)});
  CHECK_FALSE(r.ok);
  CHECK_THAT(r.message, Catch::Contains("numeric"));
}
