// Pooling: PyTorch goldens (forward and dx) for max, avg (with and without counting
// padding) and adaptive average pooling, gradient checks, first-max ties, error messages.
#include <catch2/catch.hpp>

#include <janus/core/autograd.h>
#include <janus/core/op.h>
#include <janus/core/ops.h>
#include <janus/core/random.h>

#include <close.h>
#include <fixtures.h>
#include <gradcheck.h>

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

using namespace janus;
using janus::testing::Fixture;
using janus::testing::require_close;
using janus::testing::gradcheck;

namespace {

Pool2dOptions options_from(const Fixture& f, const std::string& name) {
  return Pool2dOptions(static_cast<int64_t>(f.value(name + ".kernel")))
      .stride(static_cast<int64_t>(f.value(name + ".stride")))
      .padding(static_cast<int64_t>(f.value(name + ".padding")))
      .count_include_pad(f.value(name + ".count_include_pad") != 0.0);
}

// Distinct values at least 0.1 apart in a random order, so that max pooling's argmax does
// not move under the finite-difference step.
Tensor spread_values(const Shape& shape, uint64_t seed) {
  const int64_t n = numel_of(shape);
  std::vector<float> v(n);
  std::iota(v.begin(), v.end(), 0.0f);
  Generator gen(seed);
  Tensor keys = randn({n}, &gen);
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  const float* k = keys.data();
  std::sort(order.begin(), order.end(), [k](int64_t a, int64_t b) { return k[a] < k[b]; });
  std::vector<float> out(n);
  for (int64_t i = 0; i < n; ++i) out[order[i]] = v[i] * 0.1f - 2.0f;
  return from_vector(out, shape);
}

}  // namespace

TEST_CASE("max and avg pooling match PyTorch forward and backward", "[pool]") {
  const Fixture f = Fixture::load("conv_pool.json");
  const std::vector<std::string> max_cases = {"max_k3s2p1", "max_k2_ties", "max_k3s1p1_ties"};
  const std::vector<std::string> avg_cases = {"avg_k3s2p1", "avg_k3s2p1_nopad", "avg_k2"};
  for (const std::string& name : max_cases) {
    Tensor x = f.tensor(name + ".x").requires_grad_();
    Tensor y = max_pool2d(x, options_from(f, name));
    require_close(y, f.tensor(name + ".y"), name + " y");
    y.backward(f.tensor(name + ".dy"));
    require_close(x.grad(), f.tensor(name + ".dx"), name + " dx");
  }
  for (const std::string& name : avg_cases) {
    Tensor x = f.tensor(name + ".x").requires_grad_();
    Tensor y = avg_pool2d(x, options_from(f, name));
    require_close(y, f.tensor(name + ".y"), name + " y");
    y.backward(f.tensor(name + ".dy"));
    require_close(x.grad(), f.tensor(name + ".dx"), name + " dx");
  }
}

TEST_CASE("adaptive and global average pooling match PyTorch", "[pool]") {
  const Fixture f = Fixture::load("conv_pool.json");
  for (const std::string& name : {std::string("adaptive_7x9_to_3x4"), std::string("adaptive_5x5_to_5x5"),
                                  std::string("adaptive_global"), std::string("adaptive_4x4_to_6x3")}) {
    Tensor x = f.tensor(name + ".x").requires_grad_();
    Tensor y = adaptive_avg_pool2d(x, static_cast<int64_t>(f.value(name + ".out_h")),
                                   static_cast<int64_t>(f.value(name + ".out_w")));
    require_close(y, f.tensor(name + ".y"), name + " y");
    y.backward(f.tensor(name + ".dy"));
    require_close(x.grad(), f.tensor(name + ".dx"), name + " dx");
  }
  // global_avg_pool2d is adaptive pooling to 1x1.
  Tensor x = f.tensor("adaptive_global.x").requires_grad_();
  Tensor y = global_avg_pool2d(x);
  CHECK(y.grad_fn()->kind == "adaptive_avg_pool2d");
  require_close(y, f.tensor("adaptive_global.y"), "global y");
  y.backward(f.tensor("adaptive_global.dy"));
  require_close(x.grad(), f.tensor("adaptive_global.dx"), "global dx");
}

TEST_CASE("pooling gradients pass gradcheck", "[pool]") {
  Generator gen(3);
  auto check = [](const testing::GradcheckFn& fn, const Tensor& x) {
    auto r = gradcheck(fn, {x});
    INFO(r.message);
    CHECK(r.ok);
    CHECK(r.checked == x.numel());
  };
  SECTION("max_pool2d") {
    const Tensor x = spread_values({2, 2, 6, 6}, 5);
    check([](const std::vector<Tensor>& in) { return max_pool2d(in[0], Pool2dOptions(2)); }, x);
    check([](const std::vector<Tensor>& in) { return max_pool2d(in[0], Pool2dOptions(3).stride(2).padding(1)); }, x);
    check([](const std::vector<Tensor>& in) { return max_pool2d(in[0], Pool2dOptions(3).stride(1)); }, x);
  }
  SECTION("avg_pool2d") {
    const Tensor x = randn({2, 2, 7, 7}, &gen);
    check([](const std::vector<Tensor>& in) { return avg_pool2d(in[0], Pool2dOptions(2)); }, x);
    check([](const std::vector<Tensor>& in) { return avg_pool2d(in[0], Pool2dOptions(3).stride(2).padding(1)); }, x);
    check([](const std::vector<Tensor>& in) {
      return avg_pool2d(in[0], Pool2dOptions(3).stride(2).padding(1).count_include_pad(false));
    }, x);
  }
  SECTION("adaptive and global") {
    const Tensor x = randn({2, 2, 7, 5}, &gen);
    check([](const std::vector<Tensor>& in) { return adaptive_avg_pool2d(in[0], 3, 2); }, x);
    check([](const std::vector<Tensor>& in) { return adaptive_avg_pool2d(in[0], 9, 7); }, x);
    check([](const std::vector<Tensor>& in) { return global_avg_pool2d(in[0]); }, x);
  }
}

TEST_CASE("max_pool2d routes a tied maximum to the first element", "[pool]") {
  Tensor x = from_vector({1, 5, 5, 2, 5, 5, 0, 3}, {1, 1, 2, 4}).requires_grad_();
  Tensor y = max_pool2d(x, Pool2dOptions(2));
  CHECK(y.to_vector() == std::vector<float>{5, 5});
  y.backward(from_vector({1, 10}, {1, 1, 1, 2}));
  // Window 1 = {1, 5 / 5, 5}: first 5 at (0, 1). Window 2 = {5, 2 / 0, 3}: (0, 2).
  CHECK(x.grad().to_vector() == std::vector<float>{0, 1, 10, 0, 0, 0, 0, 0});
}

TEST_CASE("max_pool2d treats padding as minus infinity", "[pool]") {
  Tensor x = full({1, 1, 2, 2}, -3.0f);
  Tensor y = max_pool2d(x, Pool2dOptions(2).stride(1).padding(1));
  CHECK(y.shape() == Shape{1, 1, 3, 3});
  for (float v : y.to_vector()) CHECK(v == -3.0f);
}

TEST_CASE("pool ops are registered with int attributes", "[pool]") {
  for (const char* kind : {"max_pool2d", "avg_pool2d", "adaptive_avg_pool2d"}) CHECK(has_op(kind));
  Tensor x = arange(0, 16).reshape({1, 1, 4, 4});
  Tensor y = call_op("avg_pool2d", {x}, Attrs().set("kernel", 2).set("stride", 2).set("padding", 0));
  CHECK(y.to_vector() == std::vector<float>{2.5f, 4.5f, 10.5f, 12.5f});
}

TEST_CASE("pooling rejects bad input with clear messages", "[pool]") {
  CHECK_THROWS_WITH(max_pool2d(ones({3, 8, 8}), Pool2dOptions(2)),
                    Catch::Contains("max_pool2d: expected 4-D input") && Catch::Contains("[3, 8, 8]"));
  CHECK_THROWS_WITH(avg_pool2d(ones({1, 1, 2, 2}), Pool2dOptions(3)),
                    Catch::Contains("avg_pool2d") && Catch::Contains("smaller than the kernel"));
  CHECK_THROWS_WITH(max_pool2d(ones({1, 1, 8, 8}), Pool2dOptions(2).padding(2)),
                    Catch::Contains("at most half the kernel"));
  CHECK_THROWS_WITH(adaptive_avg_pool2d(ones({2, 8, 8}), 2, 2),
                    Catch::Contains("adaptive_avg_pool2d: expected 4-D input"));
  CHECK_THROWS_WITH(adaptive_avg_pool2d(ones({1, 1, 8, 8}), 0, 2), Catch::Contains("output size >= 1"));
}
