// Non-square (h, w) kernels, strides, paddings and dilations for conv2d and pooling, and
// pooling's ceil_mode: PyTorch goldens (tests/golden/gen_conv_pool_pairs.py), gradient checks,
// attribute forms in the graph, output sizes and error messages.
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
using janus::testing::gradcheck;
using janus::testing::require_close;

namespace {

Size2 pair_from(const Fixture& f, const std::string& key) {
  return Size2(static_cast<int64_t>(f.value(key + "_h")), static_cast<int64_t>(f.value(key + "_w")));
}

// Distinct values 0.1 apart in a random order: max pooling's argmax does not move under the
// finite-difference step.
Tensor spread_values(const Shape& shape, uint64_t seed) {
  const int64_t n = numel_of(shape);
  Generator gen(seed);
  const Tensor keys = randn({n}, &gen);
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  const float* k = keys.data();
  std::sort(order.begin(), order.end(), [k](int64_t a, int64_t b) { return k[a] < k[b]; });
  std::vector<float> out(n);
  for (int64_t i = 0; i < n; ++i) out[order[i]] = static_cast<float>(i) * 0.1f - 2.0f;
  return from_vector(out, shape);
}

void check_grad(const testing::GradcheckFn& fn, const std::vector<Tensor>& inputs) {
  const auto r = gradcheck(fn, inputs);
  INFO(r.message);
  CHECK(r.ok);
  CHECK(r.checked > 0);
}

}  // namespace

TEST_CASE("conv2d with (h, w) stride, padding and dilation matches PyTorch", "[conv][pairs]") {
  const Fixture f = Fixture::load("conv_pool_pairs.json");
  for (const std::string name : {"conv_k1x7_p0x3", "conv_k3x2_s2x1_p1x0", "conv_k3x3_s1x3_p2x1_d2x1"}) {
    SECTION(name) {
      Tensor x = f.tensor(name + ".x").requires_grad_();
      Tensor w = f.tensor(name + ".w").requires_grad_();
      Tensor b = f.tensor(name + ".b").requires_grad_();
      const Conv2dOptions o = Conv2dOptions()
                                  .stride(pair_from(f, name + ".stride"))
                                  .padding(pair_from(f, name + ".padding"))
                                  .dilation(pair_from(f, name + ".dilation"));
      Tensor y = conv2d(x, w, b, o);
      require_close(y, f.tensor(name + ".y"), name + " y");
      y.backward(f.tensor(name + ".dy"));
      require_close(x.grad(), f.tensor(name + ".dx"), name + " dx");
      require_close(w.grad(), f.tensor(name + ".dw"), name + " dw");
      require_close(b.grad(), f.tensor(name + ".db"), name + " db");
    }
  }
}

TEST_CASE("max and avg pooling with (h, w) arguments and ceil_mode match PyTorch", "[pool][pairs]") {
  const Fixture f = Fixture::load("conv_pool_pairs.json");
  const std::vector<std::string> cases = {"max_k3x2_s2x1_p1x0", "max_k2_ceil", "max_k3x2_s2_p1_ceil",
                                          "avg_k2x3_s1x2_p1x1", "avg_k3_s2_ceil", "avg_k3_s2_p1_ceil",
                                          "avg_k3_s2_p1_ceil_nopad", "avg_k2x3_ceil_nopad"};
  for (const std::string& name : cases) {
    SECTION(name) {
      const Pool2dOptions o = Pool2dOptions(pair_from(f, name + ".kernel"))
                                  .stride(pair_from(f, name + ".stride"))
                                  .padding(pair_from(f, name + ".padding"))
                                  .ceil_mode(f.value(name + ".ceil_mode") != 0.0)
                                  .count_include_pad(f.value(name + ".count_include_pad") != 0.0);
      Tensor x = f.tensor(name + ".x").requires_grad_();
      Tensor y = name.rfind("max", 0) == 0 ? max_pool2d(x, o) : avg_pool2d(x, o);
      require_close(y, f.tensor(name + ".y"), name + " y");
      y.backward(f.tensor(name + ".dy"));
      require_close(x.grad(), f.tensor(name + ".dx"), name + " dx");
    }
  }
}

TEST_CASE("non-square conv2d and pooling pass gradcheck", "[conv][pool][pairs]") {
  Generator gen(21);
  SECTION("conv2d") {
    for (const Conv2dOptions& o : {Conv2dOptions().stride({2, 1}).padding({1, 0}),
                                   Conv2dOptions().stride({1, 2}).padding({0, 2}).dilation({2, 1})}) {
      check_grad([o](const std::vector<Tensor>& in) { return conv2d(in[0], in[1], in[2], o); },
                 {randn({2, 2, 6, 7}, &gen), randn({3, 2, 2, 3}, &gen), randn({3}, &gen)});
    }
  }
  SECTION("max_pool2d") {
    const Tensor x = spread_values({1, 2, 7, 6}, 4);
    for (const Pool2dOptions& o : {Pool2dOptions({3, 2}).stride({2, 1}).padding({1, 0}),
                                   Pool2dOptions(2).ceil_mode(true), Pool2dOptions({3, 2}).stride(2).padding(1).ceil_mode(true)}) {
      check_grad([o](const std::vector<Tensor>& in) { return max_pool2d(in[0], o); }, {x});
    }
  }
  SECTION("avg_pool2d") {
    const Tensor x = randn({1, 2, 7, 6}, &gen);
    for (const Pool2dOptions& o : {Pool2dOptions({2, 3}).stride({1, 2}).padding(1),
                                   Pool2dOptions(3).stride(2).padding(1).ceil_mode(true),
                                   Pool2dOptions(3).stride(2).padding(1).ceil_mode(true).count_include_pad(false)}) {
      check_grad([o](const std::vector<Tensor>& in) { return avg_pool2d(in[0], o); }, {x});
    }
  }
}

TEST_CASE("pool_output_size follows torch's floor and ceil rules", "[pool][pairs]") {
  CHECK(pool_output_size(5, 2, 2, 0, false) == 2);
  CHECK(pool_output_size(5, 2, 2, 0, true) == 3);
  CHECK(pool_output_size(6, 2, 2, 0, true) == 3);  // exact fit: ceil adds nothing
  // ceil((6 + 2 - 3) / 2) + 1 = 4; the last window starts at 3 * 2 - 1 = 5, inside the input.
  CHECK(pool_output_size(6, 3, 2, 1, true) == 4);
  // ceil((5 + 2 - 3) / 3) + 1 = 3, but the third window would start at 2 * 3 - 1 = 5, in the
  // right padding: torch drops it.
  CHECK(pool_output_size(5, 3, 3, 1, true) == 2);
  CHECK(max_pool2d(ones({1, 1, 5, 7}), Pool2dOptions(2).ceil_mode(true)).shape() == Shape{1, 1, 3, 4});
  CHECK(avg_pool2d(ones({1, 1, 5, 7}), Pool2dOptions({2, 3})).shape() == Shape{1, 1, 2, 2});
}

TEST_CASE("square arguments stay ints in the graph, pairs become [h, w]", "[conv][pool][pairs]") {
  Tensor x = ones({1, 1, 6, 6});
  Tensor w = ones({1, 1, 3, 1}).requires_grad_();
  Tensor y = conv2d(x, w, Tensor(), Conv2dOptions().stride({2, 1}).padding(1));
  REQUIRE(y.grad_fn() != nullptr);
  CHECK(y.shape() == Shape{1, 1, 3, 8});
  const Attrs a = Attrs().set_size2("stride", Size2(2, 1)).set_size2("padding", 1);
  CHECK(a.str() == "stride=[2, 1], padding=1");
  CHECK(a.get_size2("stride", 1) == Size2(2, 1));
  CHECK(a.get_size2("padding", 0) == Size2(1, 1));
  CHECK(a.get_size2("dilation", 1) == Size2(1));
  // The op reads both forms: an int list straight through call_op.
  Tensor z = call_op("max_pool2d", {ones({1, 1, 4, 6})},
                     Attrs().set("kernel", std::vector<int64_t>{2, 3}).set("stride", std::vector<int64_t>{2, 3}));
  CHECK(z.shape() == Shape{1, 1, 2, 2});
  CHECK_THROWS_WITH(call_op("max_pool2d", {ones({1, 1, 4, 6})}, Attrs().set("kernel", std::vector<int64_t>{2, 3, 4})),
                    Catch::Contains("expected an int or an [h, w] pair"));
}

TEST_CASE("non-square arguments are checked per axis with clear messages", "[conv][pool][pairs]") {
  CHECK_THROWS_WITH(conv2d(ones({1, 1, 8, 2}), ones({1, 1, 1, 5}), Tensor(), Conv2dOptions().padding({0, 1})),
                    Catch::Contains("smaller than the dilated kernel 1x5"));
  CHECK_THROWS_WITH(conv2d(ones({1, 1, 8, 8}), ones({1, 1, 3, 3}), Tensor(), Conv2dOptions().stride({1, 0})),
                    Catch::Contains("stride >= 1") && Catch::Contains("stride=(1, 0)"));
  CHECK_THROWS_WITH(max_pool2d(ones({1, 1, 8, 8}), Pool2dOptions({4, 2}).padding({1, 2})),
                    Catch::Contains("at most half the kernel") && Catch::Contains("padding=(1, 2)"));
  CHECK_THROWS_WITH(avg_pool2d(ones({1, 1, 8, 2}), Pool2dOptions({2, 3})),
                    Catch::Contains("smaller than the kernel 2x3"));
}
