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
#include <fixtures.h>
#include <gradcheck.h>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace janus;
using janus::testing::accumulation;
using janus::testing::Fixture;
using janus::testing::gradcheck;
using janus::testing::IsClose;
using janus::testing::IsIdentical;

namespace {

constexpr int64_t kAuto = 0, kIm2col = 1, kDirect = 4;

Tensor conv_algo(const Tensor& x, const Tensor& w, const Tensor& b, int64_t padding, int64_t algo,
                 int64_t stride = 1) {
  const Attrs attrs = Attrs()
                          .set("stride", stride)
                          .set("padding", padding)
                          .set("dilation", int64_t{1})
                          .set("groups", int64_t{1})
                          .set("algo", algo);
  return b.defined() ? call_op("conv2d", {x, w, b}, attrs) : call_op("conv2d", {x, w}, attrs);
}

struct Grads {
  Tensor y, dx, dw, db;
};

Grads run(const Tensor& x0, const Tensor& w0, const Tensor& b0, const Tensor& dy, int64_t pad, int64_t algo) {
  Tensor x = x0.detach().requires_grad_(), w = w0.detach().requires_grad_();
  Tensor b = b0.defined() ? b0.detach().requires_grad_() : Tensor();
  Tensor y = conv_algo(x, w, b, pad, algo);
  y.backward(dy);
  return {y.detach(), x.grad(), w.grad(), b.defined() ? b.grad() : Tensor()};
}

// y (with bias), dx, dw of a 3x3 stride-1 convolution by direct loops in double, and the
// same sums of |terms| (each element's size, for its rounding bound).
struct Exact {
  std::vector<double> y, dx, dw, y_abs, dx_abs, dw_abs;
};

Exact exact_3x3(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& dy, int64_t pad) {
  const int64_t n = x.size(0), ci = x.size(1), h = x.size(2), wd = x.size(3), co = w.size(0);
  const int64_t oh = h + 2 * pad - 2, ow = wd + 2 * pad - 2;
  Exact e;
  e.y.assign(n * co * oh * ow, 0.0), e.y_abs = e.y;
  e.dx.assign(x.numel(), 0.0), e.dx_abs = e.dx;
  e.dw.assign(w.numel(), 0.0), e.dw_abs = e.dw;
  const float *px = x.data(), *pw = w.data(), *pdy = dy.data();
  for (int64_t s = 0; s < n; ++s)
    for (int64_t o = 0; o < co; ++o)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          const int64_t yo = ((s * co + o) * oh + i) * ow + j;
          e.y[yo] = b.data()[o], e.y_abs[yo] = std::fabs(b.data()[o]);
          for (int64_t c = 0; c < ci; ++c)
            for (int64_t u = 0; u < 3; ++u)
              for (int64_t v = 0; v < 3; ++v) {
                const int64_t ih = i + u - pad, iw = j + v - pad;
                if (ih < 0 || ih >= h || iw < 0 || iw >= wd) continue;
                const int64_t xo = ((s * ci + c) * h + ih) * wd + iw, wo = ((o * ci + c) * 3 + u) * 3 + v;
                const double xv = px[xo], wv = pw[wo], dv = pdy[yo];
                e.y[yo] += xv * wv, e.y_abs[yo] += std::fabs(xv * wv);
                e.dx[xo] += dv * wv, e.dx_abs[xo] += std::fabs(dv * wv);
                e.dw[wo] += dv * xv, e.dw_abs[wo] += std::fabs(dv * xv);
              }
        }
  return e;
}

// Largest |got - exact| / (sum of |terms|) over the elements. Any float32 summation of d terms,
// in any order, with or without FMA, stays within d * 2^-24 of that sum (first order), so the
// tests bound this by (depth + 1) * 2^-24 with depth the number of terms each element adds.
double rel_error(const Tensor& got, const std::vector<double>& exact, const std::vector<double>& abs_sum) {
  double worst = 0.0;
  const float* g = got.data();
  for (size_t i = 0; i < exact.size(); ++i)
    worst = std::max(worst, std::fabs(g[i] - exact[i]) / std::max(abs_sum[i], 1e-30));
  return worst;
}

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
        const Grads got = run(x, w, b, dy, pad, algo);
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
    const Exact want = exact_3x3(x, w, b, dy, c.padding);
    const Grads got = run(x, w, b, dy, c.padding, kDirect);
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
      auto r = gradcheck([pad](const std::vector<Tensor>& in) { return conv_algo(in[0], in[1], in[2], pad, kDirect); },
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
  const Grads one = run(x, w, b, dy, 1, kDirect);
  set_num_threads(std::max(2, threads));
  const Grads two = run(x, w, b, dy, 1, kDirect), again = run(x, w, b, dy, 1, kDirect);
  set_num_threads(threads);
  for (const Grads* g : {&two, &again}) {
    CHECK_THAT(g->y, IsIdentical(one.y));
    CHECK_THAT(g->dx, IsIdentical(one.dx));
    CHECK_THAT(g->dw, IsIdentical(one.dw));
  }
  // And it agrees with the im2col path within both paths' rounding.
  const Grads ref = run(x, w, b, dy, 1, kIm2col);
  CHECK_THAT(one.y, IsClose(ref.y, accumulation(2 * 28, 1e-6)));
  CHECK_THAT(one.dx, IsClose(ref.dx, accumulation(2 * 32 * 9, 1e-6)));
  CHECK_THAT(one.dw, IsClose(ref.dw, accumulation(2 * 9 * 32 * 32, 1e-6)));
}

TEST_CASE("automatic conv2d picks the direct path for 1-4 input channels and 8+ output columns",
          "[conv][direct]") {
  Generator gen(123);
  Tensor x = randn({2, 3, 10, 12}, &gen), w = randn({4, 3, 3, 3}, &gen);
  CHECK_THAT(conv_algo(x, w, Tensor(), 1, kAuto), IsIdentical(conv_algo(x, w, Tensor(), 1, kDirect)));
  // Output 6 columns wide: im2col.
  Tensor narrow = randn({2, 3, 6, 6}, &gen);
  CHECK_THAT(conv_algo(narrow, w, Tensor(), 1, kAuto), IsIdentical(conv_algo(narrow, w, Tensor(), 1, kIm2col)));
  // 5 input channels: not eligible, forcing direct falls back to im2col; so does stride 2.
  Tensor x5 = randn({2, 5, 10, 12}, &gen), w5 = randn({4, 5, 3, 3}, &gen);
  CHECK_THAT(conv_algo(x5, w5, Tensor(), 1, kDirect), IsIdentical(conv_algo(x5, w5, Tensor(), 1, kIm2col)));
  CHECK_THAT(conv_algo(x, w, Tensor(), 1, kDirect, 2), IsIdentical(conv_algo(x, w, Tensor(), 1, kIm2col, 2)));
  // A first layer's input needs no gradient: backward leaves x without one and still gives dw.
  Tensor wg = w.detach().requires_grad_();
  Tensor y = conv_algo(x, wg, Tensor(), 1, kAuto);
  y.backward(ones(y.shape()));
  CHECK_FALSE(x.grad().defined());
  CHECK(wg.grad().defined());
}
