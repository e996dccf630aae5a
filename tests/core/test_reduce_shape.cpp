// Reductions (sum, mean, var over axes) and data movement (permute, concat, reshape).
#include <catch2/catch.hpp>

#include <janus/core/ops.h>
#include <janus/core/random.h>

#include "gradcheck.h"

using namespace janus;
using janus::testing::gradcheck;

TEST_CASE("sum, mean and var over chosen axes", "[reduce]") {
  Tensor x = from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
  CHECK(sum(x).item() == 21.0f);
  CHECK(sum(x, {0}).to_vector() == std::vector<float>{5, 7, 9});
  CHECK(sum(x, {1}, true).shape() == Shape{2, 1});
  CHECK(mean(x, {-1}).to_vector() == std::vector<float>{2, 5});
  CHECK(var(x, {1}, /*unbiased=*/true).to_vector() == std::vector<float>{1, 1});
  CHECK(var(x, {1}, /*unbiased=*/false).to_vector()[0] == Approx(2.0f / 3.0f));
  // NCHW per-channel statistics: axes (0, 2, 3)
  Generator gen(5);
  Tensor t = randn({4, 3, 5, 5}, &gen) * 2.0f + 10.0f;
  Tensor m = mean(t, {0, 2, 3});
  CHECK(m.shape() == Shape{3});
  CHECK(m.data()[1] == Approx(10.0f).margin(0.5));
  CHECK(var(t, {0, 2, 3}, false, true).shape() == Shape{1, 3, 1, 1});
  CHECK_THROWS_WITH(sum(x, {2}), Catch::Contains("axis 2 is out of range"));
  CHECK_THROWS_WITH(var(ones({1, 3}), {0}), Catch::Contains("unbiased variance over 1 value"));
}

TEST_CASE("variance is numerically careful with a large mean", "[reduce]") {
  std::vector<float> v;
  for (int i = 0; i < 1000; ++i) v.push_back(1e4f + static_cast<float>(i % 2));
  CHECK(var(from_vector(v, {1000}), {}, false).item() == Approx(0.25f).epsilon(1e-3));
}

TEST_CASE("gradients of reductions", "[reduce][gradcheck]") {
  Generator gen(6);
  Tensor x = randn({2, 3, 4}, &gen);
  for (bool keep : {false, true}) {
    CHECK(gradcheck([keep](auto& in) { return sum(in[0], {1}, keep); }, {x}).ok);
    CHECK(gradcheck([keep](auto& in) { return mean(in[0], {0, 2}, keep); }, {x}).ok);
    CHECK(gradcheck([keep](auto& in) { return var(in[0], {2}, true, keep); }, {x}).ok);
    CHECK(gradcheck([keep](auto& in) { return var(in[0], {0, 1}, false, keep); }, {x}).ok);
  }
  CHECK(gradcheck([](auto& in) { return sum(in[0]); }, {x}).ok);
}

TEST_CASE("permute, transpose and layout changes", "[shape]") {
  Tensor x = arange(0, 24).reshape({1, 2, 3, 4});  // NCHW
  Tensor y = nchw_to_nhwc(x);
  CHECK(y.shape() == Shape{1, 3, 4, 2});
  CHECK(y.at({0, 2, 1, 1}) == x.at({0, 1, 2, 1}));
  CHECK(nhwc_to_nchw(y).to_vector() == x.to_vector());
  Tensor t = transpose(arange(0, 6).reshape({2, 3}), 0, 1);
  CHECK(t.shape() == Shape{3, 2});
  CHECK(t.to_vector() == std::vector<float>{0, 3, 1, 4, 2, 5});
  CHECK_THROWS_WITH(permute(x, {0, 1, 1, 2}), Catch::Contains("appears twice"));
  CHECK_THROWS_WITH(nchw_to_nhwc(zeros({2, 3})), Catch::Contains("expected a 4-D input"));
  Generator gen(7);
  CHECK(gradcheck([](auto& in) { return permute(in[0], {2, 0, 1}); }, {randn({2, 3, 4}, &gen)}).ok);
  CHECK(gradcheck([](auto& in) { return in[0].reshape({4, 6}) * 1.5f; }, {randn({2, 3, 4}, &gen)}).ok);
}

TEST_CASE("concat along an axis", "[shape]") {
  Tensor a = from_vector({1, 2, 3, 4}, {2, 2}), b = from_vector({5, 6}, {2, 1});
  Tensor c = concat({a, b}, 1);
  CHECK(c.shape() == Shape{2, 3});
  CHECK(c.to_vector() == std::vector<float>{1, 2, 5, 3, 4, 6});
  CHECK(concat({a, a}, 0).shape() == Shape{4, 2});
  CHECK_THROWS_WITH(concat({a, b}, 0), Catch::Contains("differs from [2, 2] outside axis 0"));
  Generator gen(8);
  auto r = gradcheck([](auto& in) { return concat({in[0], in[1]}, 1); }, {randn({2, 2, 3}, &gen), randn({2, 1, 3}, &gen)});
  CHECK(r.ok);
}
