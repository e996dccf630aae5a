// conv2d's direct path for 1-4 input channels (algo 4, conv_direct.cpp; what automatic dispatch
// runs for the benchmark CNN's first layer): PyTorch goldens, direct double loops on odd shapes
// (partial column blocks of either lane count, channel counts that are not multiples of 4 or 8,
// odd heights, padding 0/1/2, batches that leave a partial dw chunk), gradcheck, bits
// independent of run and thread count, and the dispatch rules.
#include <catch2/catch.hpp>

#include <janus/core/autograd.h>
#include <janus/core/op.h>
#include <janus/core/ops.h>
#include <janus/core/parallel.h>
#include <janus/core/random.h>

#include <close.h>
#include <conv_reference.h>
#include <fixtures.h>
#include <gradcheck.h>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace janus;
using janus::testing::accumulation;
using janus::testing::conv2d_algo;
using janus::testing::conv2d_grads;
using janus::testing::ConvGrads;
using janus::testing::exact_conv3x3;
using janus::testing::ExactConv;
using janus::testing::Fixture;
using janus::testing::gradcheck;
using janus::testing::IsClose;
using janus::testing::IsIdentical;
using janus::testing::rel_error;

namespace {

constexpr int64_t kAuto = 0, kIm2col = 1, kDirect = 4;

// Any float32 summation of d terms stays within d * 2^-24 of their sum of |terms| (rel_error),
// so the tests bound it by (depth + 1) * 2^-24 with depth the number of terms each element adds.
double rounding_bound(int64_t depth) { return double(depth + 1) * std::ldexp(1.0, -24); }

}  // namespace

TEST_CASE("direct conv2d matches PyTorch on the golden few-channel cases", "[conv][direct]") {
  const Fixture f = Fixture::load("conv_direct.json");
  for (const std::string name : {"first_layer", "one_channel_pad0", "four_channels_pad2", "two_channels_wide"}) {
    SECTION(name) {
      const Tensor x = f.tensor(name + ".x"), w = f.tensor(name + ".w"), dy = f.tensor(name + ".dy");
      const bool has_bias = f.has_tensor(name + ".b");
      const Tensor b = has_bias ? f.tensor(name + ".b") : Tensor();
      const int64_t pad = static_cast<int64_t>(f.value(name + ".padding"));
      // Both automatic dispatch and the forced path run the direct kernel here (out width >= 8).
      for (int64_t algo : {kAuto, kDirect}) {
        const ConvGrads got = conv2d_grads(x, w, b, dy, pad, algo);
        // Depths: y sums C_in*9 products (+ bias), dx C_out*9, dw N*OH*OW; PyTorch's own
        // float32 sums err as much again, so the bound is twice one summation's.
        const int64_t n = x.size(0), c_in = x.size(1), c_out = w.size(0);
        const int64_t y_depth = c_in * 9 + 1, dx_depth = c_out * 9, dw_depth = n * dy.size(2) * dy.size(3);
        INFO(name << " algo " << algo);
        CHECK_THAT(got.y, IsClose(f.tensor(name + ".y"), accumulation(y_depth, 1e-6)));
        CHECK_THAT(got.dx, IsClose(f.tensor(name + ".dx"), accumulation(dx_depth, 1e-6)));
        CHECK_THAT(got.dw, IsClose(f.tensor(name + ".dw"), accumulation(dw_depth, 1e-6)));
        if (has_bias) CHECK_THAT(got.db, IsClose(f.tensor(name + ".db"), accumulation(dw_depth, 1e-6)));
      }
    }
  }
}

TEST_CASE("direct conv2d matches double loops on odd shapes within float32 rounding", "[conv][direct]") {
  Generator gen(121);
  struct Case {
    Shape x;
    int64_t c_out, padding;
  };
  const std::vector<Case> cases = {
      {{1, 1, 3, 3}, 1, 1},     {{2, 1, 9, 10}, 5, 0},    {{3, 2, 7, 16}, 7, 1},  {{1, 3, 32, 32}, 32, 1},
      {{5, 3, 5, 17}, 6, 2},    {{2, 4, 11, 37}, 9, 1},   {{9, 3, 6, 8}, 4, 1},   {{1, 4, 4, 31}, 3, 0},
      // The kernel's blocks are sized by the ISA's lane count L (8 on AVX2, 16 on AVX-512):
      // forward 2L columns x 4 or 8 output channels, dw L columns, dx two rows. Widths 24 and
      // 40 are lane multiples on AVX2 only (dw reads dy itself there, a zero-extended copy on
      // AVX-512); 64 is two full forward blocks on AVX-512; 46 ends in a partial block. C_out
      // 12, 13, 20 and 21 leave 4-channel and single-channel remainders after 8-channel blocks;
      // odd heights leave dx a single last row.
      {{2, 3, 9, 24}, 12, 1},   {{1, 1, 6, 64}, 20, 1},   {{3, 4, 5, 48}, 13, 0}, {{2, 2, 7, 40}, 21, 1},
      {{1, 3, 1, 33}, 8, 1},
  };
  for (const Case& c : cases) {
    Tensor x = randn(c.x, &gen), w = randn({c.c_out, c.x[1], 3, 3}, &gen), b = randn({c.c_out}, &gen);
    const int64_t oh = c.x[2] + 2 * c.padding - 2, ow = c.x[3] + 2 * c.padding - 2;
    Tensor dy = randn({c.x[0], c.c_out, oh, ow}, &gen);
    const ExactConv want = exact_conv3x3(x, w, b, dy, c.padding);
    const ConvGrads got = conv2d_grads(x, w, b, dy, c.padding, kDirect);
    INFO("input " << shape_str(c.x) << " C_out " << c.c_out << " padding " << c.padding);
    CHECK(rel_error(got.y, want.y, want.y_abs) < rounding_bound(c.x[1] * 9 + 1));
    CHECK(rel_error(got.dx, want.dx, want.dx_abs) < rounding_bound(c.c_out * 9));
    CHECK(rel_error(got.dw, want.dw, want.dw_abs) < rounding_bound(c.x[0] * oh * ow));
  }
}

TEST_CASE("direct conv2d passes gradcheck and gives the same bits on every run and thread count",
          "[conv][direct]") {
  Generator gen(122);
  for (int64_t pad : {0, 1, 2})
    for (int64_t c_in : {1, 3}) {
      auto r = gradcheck([pad](const std::vector<Tensor>& in) { return conv2d_algo(in[0], in[1], in[2], pad, kDirect); },
                         {randn({2, c_in, 5, 9}, &gen), randn({5, c_in, 3, 3}, &gen), randn({5}, &gen)});
      INFO("padding " << pad << " C_in " << c_in << ": " << r.message);
      CHECK(r.ok);
      CHECK(r.checked > 0);
    }

  // The benchmark CNN's first layer, 9 images (3 dw chunks, the last partial).
  Tensor x = randn({9, 3, 32, 32}, &gen), w = normal({32, 3, 3, 3}, 0.0f, 0.2f, &gen), b = randn({32}, &gen);
  Tensor dy = randn({9, 32, 32, 32}, &gen);
  const int threads = num_threads();
  set_num_threads(1);
  const ConvGrads one = conv2d_grads(x, w, b, dy, 1, kDirect);
  set_num_threads(std::max(2, threads));
  const ConvGrads two = conv2d_grads(x, w, b, dy, 1, kDirect), again = conv2d_grads(x, w, b, dy, 1, kDirect);
  set_num_threads(threads);
  for (const ConvGrads* g : {&two, &again}) {
    CHECK_THAT(g->y, IsIdentical(one.y));
    CHECK_THAT(g->dx, IsIdentical(one.dx));
    CHECK_THAT(g->dw, IsIdentical(one.dw));
  }
  // And it agrees with the im2col path within both paths' rounding.
  const ConvGrads ref = conv2d_grads(x, w, b, dy, 1, kIm2col);
  CHECK_THAT(one.y, IsClose(ref.y, accumulation(2 * 28, 1e-6)));
  CHECK_THAT(one.dx, IsClose(ref.dx, accumulation(2 * 32 * 9, 1e-6)));
  CHECK_THAT(one.dw, IsClose(ref.dw, accumulation(2 * 9 * 32 * 32, 1e-6)));
}

TEST_CASE("automatic conv2d picks the direct path for 1-4 input channels and 8+ output columns",
          "[conv][direct]") {
  Generator gen(123);
  Tensor x = randn({2, 3, 10, 12}, &gen), w = randn({4, 3, 3, 3}, &gen);
  CHECK_THAT(conv2d_algo(x, w, Tensor(), 1, kAuto), IsIdentical(conv2d_algo(x, w, Tensor(), 1, kDirect)));
  // Output 6 columns wide: im2col.
  Tensor narrow = randn({2, 3, 6, 6}, &gen);
  CHECK_THAT(conv2d_algo(narrow, w, Tensor(), 1, kAuto), IsIdentical(conv2d_algo(narrow, w, Tensor(), 1, kIm2col)));
  // 5 input channels: not eligible, forcing direct falls back to im2col; so does stride 2.
  Tensor x5 = randn({2, 5, 10, 12}, &gen), w5 = randn({4, 5, 3, 3}, &gen);
  CHECK_THAT(conv2d_algo(x5, w5, Tensor(), 1, kDirect), IsIdentical(conv2d_algo(x5, w5, Tensor(), 1, kIm2col)));
  CHECK_THAT(conv2d_algo(x, w, Tensor(), 1, kDirect, 2), IsIdentical(conv2d_algo(x, w, Tensor(), 1, kIm2col, 2)));
  // A first layer's input needs no gradient: backward leaves x without one and still gives dw.
  Tensor wg = w.detach().requires_grad_();
  Tensor y = conv2d_algo(x, wg, Tensor(), 1, kAuto);
  y.backward(ones(y.shape()));
  CHECK_FALSE(x.grad().defined());
  CHECK(wg.grad().defined());
}
