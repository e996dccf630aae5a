// conv2d: PyTorch goldens (forward and dx, dw, db), gradient checks for every variant,
// a naive-loop reference on shapes that span several batch chunks, and error messages.
#include <catch2/catch.hpp>

#include <algorithm>

#include <janus/core/autograd.h>
#include <janus/core/op.h>
#include <janus/core/ops.h>
#include <janus/core/random.h>

#include <close.h>
#include <fixtures.h>
#include <gradcheck.h>

#include <string>
#include <vector>

using namespace janus;
using janus::testing::Fixture;
using janus::testing::require_close;
using janus::testing::gradcheck;

namespace {

Conv2dOptions options_from(const Fixture& f, const std::string& name) {
  return Conv2dOptions()
      .stride(static_cast<int64_t>(f.value(name + ".stride")))
      .padding(static_cast<int64_t>(f.value(name + ".padding")))
      .dilation(static_cast<int64_t>(f.value(name + ".dilation")))
      .groups(static_cast<int64_t>(f.value(name + ".groups")));
}

// Direct 7-loop convolution in double: the reference for forward and both gradients.
struct NaiveConv {
  Tensor y, dx, dw, db;
};

NaiveConv naive_conv(const Tensor& x, const Tensor& w, const Tensor& dy, const Conv2dOptions& o) {
  const int64_t n = x.size(0), ci = x.size(1), h = x.size(2), wd = x.size(3);
  const int64_t co = w.size(0), cig = w.size(1), kh = w.size(2), kw = w.size(3);
  const int64_t cog = co / o.groups_;
  const int64_t oh = (h + 2 * o.padding_.h - o.dilation_.h * (kh - 1) - 1) / o.stride_.h + 1;
  const int64_t ow = (wd + 2 * o.padding_.w - o.dilation_.w * (kw - 1) - 1) / o.stride_.w + 1;
  std::vector<double> y(n * co * oh * ow), dx(x.numel()), dw(w.numel()), db(co);
  const float *px = x.data(), *pw = w.data(), *pdy = dy.data();
  for (int64_t b = 0; b < n; ++b)
    for (int64_t oc = 0; oc < co; ++oc)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          const int64_t yo = ((b * co + oc) * oh + i) * ow + j;
          db[oc] += pdy[yo];
          for (int64_t c = 0; c < cig; ++c)
            for (int64_t u = 0; u < kh; ++u)
              for (int64_t v = 0; v < kw; ++v) {
                const int64_t ih = i * o.stride_.h - o.padding_.h + u * o.dilation_.h;
                const int64_t iw = j * o.stride_.w - o.padding_.w + v * o.dilation_.w;
                if (ih < 0 || ih >= h || iw < 0 || iw >= wd) continue;
                const int64_t xc = (oc / cog) * cig + c;
                const int64_t xo = ((b * ci + xc) * h + ih) * wd + iw;
                const int64_t wo = ((oc * cig + c) * kh + u) * kw + v;
                y[yo] += double(px[xo]) * pw[wo];
                dx[xo] += double(pdy[yo]) * pw[wo];
                dw[wo] += double(pdy[yo]) * px[xo];
              }
        }
  auto to_tensor = [](const std::vector<double>& v, const Shape& s) {
    return from_vector(std::vector<float>(v.begin(), v.end()), s);
  };
  return {to_tensor(y, {n, co, oh, ow}), to_tensor(dx, x.shape()), to_tensor(dw, w.shape()),
          to_tensor(db, {co})};
}

}  // namespace

TEST_CASE("conv2d matches PyTorch forward and backward on every golden case", "[conv]") {
  const Fixture f = Fixture::load("conv_pool.json");
  const std::vector<std::string> cases = {"conv_stride2", "conv_pad2", "conv_dil2", "conv_groups",
                                          "conv_1x1", "conv_1x1_s2", "conv_nobias", "conv_rect"};
  for (const std::string& name : cases) {
    SECTION(name) {
      Tensor x = f.tensor(name + ".x").requires_grad_();
      Tensor w = f.tensor(name + ".w").requires_grad_();
      const bool has_bias = f.has_tensor(name + ".b");
      Tensor b = has_bias ? f.tensor(name + ".b").requires_grad_() : Tensor();
      Tensor y = conv2d(x, w, b, options_from(f, name));
      require_close(y, f.tensor(name + ".y"), name + " y");
      y.backward(f.tensor(name + ".dy"));
      require_close(x.grad(), f.tensor(name + ".dx"), name + " dx");
      require_close(w.grad(), f.tensor(name + ".dw"), name + " dw");
      if (has_bias) require_close(b.grad(), f.tensor(name + ".db"), name + " db");
    }
  }
}

TEST_CASE("conv2d gradients pass gradcheck for each variant", "[conv]") {
  Generator gen(7);
  struct Variant {
    const char* name;
    Shape x, w;
    bool bias;
    Conv2dOptions options;
  };
  const std::vector<Variant> variants = {
      {"stride 2 padding 1", {2, 2, 5, 5}, {3, 2, 3, 3}, true, Conv2dOptions().stride(2).padding(1)},
      {"padding 2", {1, 2, 4, 4}, {2, 2, 3, 3}, true, Conv2dOptions().padding(2)},
      {"dilation 2", {1, 2, 7, 7}, {2, 2, 3, 3}, true, Conv2dOptions().dilation(2).padding(1)},
      {"groups 2", {2, 4, 5, 5}, {4, 2, 3, 3}, true, Conv2dOptions().groups(2).padding(1)},
      {"depthwise", {1, 3, 5, 5}, {3, 1, 3, 3}, true, Conv2dOptions().groups(3).padding(1)},
      {"1x1 direct", {1, 2, 16, 16}, {2, 2, 1, 1}, true, Conv2dOptions()},
      {"1x1 direct groups", {1, 4, 16, 16}, {4, 2, 1, 1}, false, Conv2dOptions().groups(2)},
      {"1x1 small", {2, 3, 4, 4}, {2, 3, 1, 1}, true, Conv2dOptions()},
      {"1x1 stride 2", {1, 3, 5, 5}, {2, 3, 1, 1}, false, Conv2dOptions().stride(2)},
      {"no bias", {2, 2, 5, 5}, {3, 2, 3, 3}, false, Conv2dOptions().padding(1)},
      {"rectangular kernel", {1, 2, 5, 6}, {2, 2, 2, 3}, true, Conv2dOptions().stride(2).padding(1)},
  };
  for (const Variant& v : variants) {
    SECTION(v.name) {
      std::vector<Tensor> inputs = {randn(v.x, &gen), randn(v.w, &gen)};
      if (v.bias) inputs.push_back(randn({v.w[0]}, &gen));
      const Conv2dOptions o = v.options;
      auto r = gradcheck(
          [o](const std::vector<Tensor>& in) { return conv2d(in[0], in[1], in.size() > 2 ? in[2] : Tensor(), o); },
          inputs);
      INFO(r.message);
      CHECK(r.ok);
      CHECK(r.checked > 0);
    }
  }
}

TEST_CASE("conv2d agrees with naive loops across several batch chunks", "[conv]") {
  // With C_in*3*3 = 576 rows the column matrix holds 2048 pixels: 32x32 outputs give chunks
  // of 2 images (batch 3: a full chunk, then a one-image chunk written in place) and 16x16
  // outputs chunks of 8 (batch 10: 8 + 2); the 8x8 case puts the whole batch in one chunk.
  Generator gen(11);
  struct Case {
    Shape x, w;
    Conv2dOptions options;
    float atol = 1e-4f;
  };
  // The 16x16 ungrouped case runs as Winograd F(4x4,3x3) (automatic dispatch), whose float32
  // error is bounded by 2e-5 of the sum of |x*w| (test_conv_winograd4.cpp): with unit normal
  // x and w that sum is ~576 * 0.64 per output, hence its absolute tolerance.
  const std::vector<Case> cases = {
      {{3, 64, 32, 32}, {4, 32, 3, 3}, Conv2dOptions().padding(1).groups(2)},
      {{10, 64, 16, 16}, {4, 64, 3, 3}, Conv2dOptions().padding(1), 2e-5f * 576 * 0.64f},
      {{5, 3, 8, 8}, {4, 3, 3, 3}, Conv2dOptions().padding(1)},
      {{3, 4, 20, 20}, {5, 4, 1, 1}, Conv2dOptions()},
      {{2, 3, 17, 15}, {4, 3, 3, 3}, Conv2dOptions().stride(2).dilation(2).padding(2)},
  };
  for (const Case& c : cases) {
    Tensor x = randn(c.x, &gen).requires_grad_();
    Tensor w = randn(c.w, &gen).requires_grad_();
    Tensor b = randn({c.w[0]}, &gen).requires_grad_();
    Tensor y = conv2d(x, w, b, c.options);
    Tensor dy = randn(y.shape(), &gen);
    y.backward(dy);
    NaiveConv ref = naive_conv(x.detach(), w.detach(), dy, c.options);
    Tensor y_ref = ref.y + b.detach().reshape({1, c.w[0], 1, 1});
    INFO("input " << shape_str(c.x) << " weight " << shape_str(c.w));
    CHECK(allclose(y, y_ref, 1e-4f, c.atol));
    CHECK(allclose(x.grad(), ref.dx, 1e-4f, c.atol));
    CHECK(allclose(w.grad(), ref.dw, 1e-4f, std::max(1e-3f, c.atol)));
    CHECK(allclose(b.grad(), ref.db, 1e-4f, 1e-3f));
  }
}

TEST_CASE("conv2d is a registered op with int attributes and records its kind", "[conv]") {
  REQUIRE(has_op("conv2d"));
  Tensor x = ones({1, 1, 3, 3});
  Tensor w = ones({1, 1, 2, 2}).requires_grad_();
  Tensor y = call_op("conv2d", {x, w, Tensor()},
                     Attrs().set("stride", 1).set("padding", 0).set("dilation", 1).set("groups", 1));
  CHECK(y.shape() == Shape{1, 1, 2, 2});
  CHECK(y.to_vector() == std::vector<float>{4, 4, 4, 4});
  REQUIRE(y.grad_fn() != nullptr);
  CHECK(y.grad_fn()->kind == "conv2d");
  // Only the weight wants a gradient here: x gets none.
  y.backward(ones({1, 1, 2, 2}));
  CHECK(w.grad().to_vector() == std::vector<float>{4, 4, 4, 4});
  CHECK_FALSE(x.grad().defined());
}

TEST_CASE("conv2d rejects bad shapes with messages naming both sides", "[conv]") {
  CHECK_THROWS_WITH(conv2d(ones({8, 3, 32, 32}), ones({16, 4, 3, 3})),
                    "conv2d: input has 3 channels but weight expects 4 (input [8, 3, 32, 32], weight [16, 4, 3, 3])");
  CHECK_THROWS_WITH(conv2d(ones({3, 32, 32}), ones({16, 3, 3, 3})),
                    Catch::Contains("expected 4-D input") && Catch::Contains("3-D input [3, 32, 32]"));
  CHECK_THROWS_WITH(conv2d(ones({1, 3, 8, 8}), ones({16, 3, 3})),
                    Catch::Contains("expected 4-D weight") && Catch::Contains("[16, 3, 3]"));
  CHECK_THROWS_WITH(conv2d(ones({1, 6, 8, 8}), ones({4, 2, 3, 3}), Tensor(), Conv2dOptions().groups(4)),
                    Catch::Contains("groups=4 must divide") && Catch::Contains("(6)"));
  CHECK_THROWS_WITH(conv2d(ones({1, 6, 8, 8}), ones({4, 2, 3, 3}), Tensor(), Conv2dOptions().groups(2)),
                    Catch::Contains("input has 6 channels but weight expects 4") && Catch::Contains("groups=2"));
  CHECK_THROWS_WITH(conv2d(ones({1, 3, 2, 2}), ones({4, 3, 3, 3})),
                    Catch::Contains("smaller than the dilated kernel 3x3"));
  CHECK_THROWS_WITH(conv2d(ones({1, 3, 8, 8}), ones({4, 3, 3, 3}), ones({3})),
                    Catch::Contains("bias of shape [4]") && Catch::Contains("[3]"));
  CHECK_THROWS_WITH(conv2d(ones({1, 3, 8, 8}), ones({4, 3, 3, 3}), Tensor(), Conv2dOptions().stride(0)),
                    Catch::Contains("stride >= 1"));
}
