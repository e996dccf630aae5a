// conv2d's Winograd F(4x4,3x3) path (algo 3): exact against direct double loops on odd shapes
// (partial edge tiles, padding 0/1/2, one channel, several batch chunks), gradcheck, run-to-run
// bits, and the accuracy gate: on the benchmark CNN's layer shapes its float32 error against a
// float64 direct convolution stays within the bound stated below (F(4x4)'s transforms have
// entries up to 8, so it rounds ~an order of magnitude worse than F(2x2) or im2col).
#include <catch2/catch.hpp>

#include <janus/core/autograd.h>
#include <janus/core/op.h>
#include <janus/core/ops.h>
#include <janus/core/random.h>

#include <gradcheck.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

using namespace janus;
using janus::testing::gradcheck;

namespace {

constexpr int64_t kIm2col = 1, kWinograd2 = 2, kWinograd4 = 3;

Tensor conv_algo(const Tensor& x, const Tensor& w, const Tensor& b, int64_t padding, int64_t algo) {
  const Attrs attrs = Attrs()
                          .set("stride", int64_t{1})
                          .set("padding", padding)
                          .set("dilation", int64_t{1})
                          .set("groups", int64_t{1})
                          .set("algo", algo);
  return b.defined() ? call_op("conv2d", {x, w, b}, attrs) : call_op("conv2d", {x, w}, attrs);
}

// y, dx, dw of a 3x3 stride-1 convolution by direct loops in double, and the same with
// |x|, |w|, |dy| (the size of the sums each result is made of, for relative errors).
struct Exact {
  std::vector<double> y, dx, dw, y_abs, dx_abs, dw_abs;
};

Exact direct_3x3(const Tensor& x, const Tensor& w, const Tensor& dy, int64_t pad) {
  const int64_t n = x.size(0), ci = x.size(1), h = x.size(2), wd = x.size(3), co = w.size(0);
  const int64_t oh = h + 2 * pad - 2, ow = wd + 2 * pad - 2;
  Exact e;
  e.y.assign(n * co * oh * ow, 0.0), e.y_abs = e.y;
  e.dx.assign(x.numel(), 0.0), e.dx_abs = e.dx;
  e.dw.assign(w.numel(), 0.0), e.dw_abs = e.dw;
  const float *px = x.data(), *pw = w.data(), *pdy = dy.data();
  for (int64_t b = 0; b < n; ++b)
    for (int64_t o = 0; o < co; ++o)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          const int64_t yo = ((b * co + o) * oh + i) * ow + j;
          for (int64_t c = 0; c < ci; ++c)
            for (int64_t u = 0; u < 3; ++u)
              for (int64_t v = 0; v < 3; ++v) {
                const int64_t ih = i + u - pad, iw = j + v - pad;
                if (ih < 0 || ih >= h || iw < 0 || iw >= wd) continue;
                const int64_t xo = ((b * ci + c) * h + ih) * wd + iw, wo = ((o * ci + c) * 3 + u) * 3 + v;
                const double xv = px[xo], wv = pw[wo], dv = pdy[yo];
                e.y[yo] += xv * wv, e.y_abs[yo] += std::fabs(xv * wv);
                e.dx[xo] += dv * wv, e.dx_abs[xo] += std::fabs(dv * wv);
                e.dw[wo] += dv * xv, e.dw_abs[wo] += std::fabs(dv * xv);
              }
        }
  return e;
}

// max over elements of |got - exact| / max(|.| sum of that element, tiny).
double rel_error(const Tensor& got, const std::vector<double>& exact, const std::vector<double>& abs_sum) {
  double worst = 0.0;
  const float* g = got.data();
  for (size_t i = 0; i < exact.size(); ++i)
    worst = std::max(worst, std::fabs(g[i] - exact[i]) / std::max(abs_sum[i], 1e-30));
  return worst;
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

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), sizeof(float) * a.numel()) == 0;
}

}  // namespace

TEST_CASE("winograd F(4x4) conv2d matches direct double loops on odd shapes", "[conv][winograd4]") {
  Generator gen(41);
  struct Case {
    Shape x;
    int64_t c_out, padding;
  };
  // Sizes that are not multiples of 4 leave partial edge tiles; 3x3 with padding 0 is one
  // output; the last case runs its batch of 5 as several chunks (forced below).
  const std::vector<Case> cases = {
      {{1, 1, 5, 5}, 1, 1},   {{1, 1, 7, 9}, 5, 0},    {{2, 3, 6, 5}, 7, 1},  {{1, 2, 3, 3}, 3, 0},
      {{3, 4, 4, 8}, 5, 2},   {{1, 17, 11, 13}, 13, 1}, {{2, 5, 10, 18}, 6, 1}, {{5, 1, 31, 31}, 9, 1},
  };
  for (const Case& c : cases) {
    Tensor x = randn(c.x, &gen), w = randn({c.c_out, c.x[1], 3, 3}, &gen), b = randn({c.c_out}, &gen);
    const Shape y_shape = {c.x[0], c.c_out, c.x[2] + 2 * c.padding - 2, c.x[3] + 2 * c.padding - 2};
    Tensor dy = randn(y_shape, &gen);
    const Exact want = direct_3x3(x, w, dy, c.padding);
    const Grads got = run(x, w, b, dy, c.padding, kWinograd4);
    INFO("input " << shape_str(c.x) << " C_out " << c.c_out << " padding " << c.padding);
    // y includes the bias: compare y - b against the exact sums.
    Tensor y_nobias = got.y - b.reshape({1, c.c_out, 1, 1});
    CHECK(rel_error(y_nobias, want.y, want.y_abs) < 1e-5);
    CHECK(rel_error(got.dx, want.dx, want.dx_abs) < 1e-5);
    CHECK(rel_error(got.dw, want.dw, want.dw_abs) < 1e-5);
    const Tensor db_ref = sum(dy, {0, 2, 3});
    CHECK(allclose(got.db, db_ref, 1e-5f, 1e-4f));
  }
}

// The accuracy gate. Error of each result element relative to the sum of the absolute values
// of the products it adds up (|x|*|w| for y, |dy|*|w| for dx, |dy|*|x| for dw), against a
// float64 direct convolution, on the benchmark CNN's 3x3 layers (batch 4) with N(0,1)
// activations and He-scaled weights. Bound: 2e-5. Measured: F(2x2) 0.6e-7 to 1.4e-7 (as direct
// float32 summation), F(4x4) 0.4e-6 to 2.7e-6 -- its transform coefficients (up to 8 in A, 5 in
// B, 1/24 in G) amplify the rounding of the transformed values ~20x; the bound leaves 7x
// headroom for other inputs and ISAs (FMA contraction differs between AVX2 and AVX-512 builds).
// Training curves with and without F(4x4) are compared in docs/performance.md.
TEST_CASE("winograd F(4x4) stays within its float64 accuracy bound on the benchmark layers",
          "[conv][winograd4]") {
  Generator gen(42);
  struct Layer {
    int64_t c_in, c_out, hw;
  };
  const std::vector<Layer> layers = {{32, 32, 32}, {32, 64, 16}, {64, 64, 16}, {64, 128, 8}};
  constexpr double kBound = 2e-5;
  for (const Layer& l : layers) {
    Tensor x = randn({4, l.c_in, l.hw, l.hw}, &gen);
    Tensor w = normal({l.c_out, l.c_in, 3, 3}, 0.0f, std::sqrt(2.0f / (9.0f * l.c_in)), &gen);
    Tensor dy = randn({4, l.c_out, l.hw, l.hw}, &gen);
    const Exact want = direct_3x3(x, w, dy, 1);
    const Grads w4 = run(x, w, Tensor(), dy, 1, kWinograd4), w2 = run(x, w, Tensor(), dy, 1, kWinograd2);
    const double e4[3] = {rel_error(w4.y, want.y, want.y_abs), rel_error(w4.dx, want.dx, want.dx_abs),
                          rel_error(w4.dw, want.dw, want.dw_abs)};
    const double e2[3] = {rel_error(w2.y, want.y, want.y_abs), rel_error(w2.dx, want.dx, want.dx_abs),
                          rel_error(w2.dw, want.dw, want.dw_abs)};
    INFO(l.c_in << "->" << l.c_out << " @" << l.hw << ": F(4x4) y " << e4[0] << " dx " << e4[1] << " dw " << e4[2]
                << "; F(2x2) y " << e2[0] << " dx " << e2[1] << " dw " << e2[2]);
    for (double e : e4) CHECK(e < kBound);
    for (double e : e2) CHECK(e < kBound);
  }
}

TEST_CASE("winograd F(4x4) agrees with im2col over several chunks and passes gradcheck", "[conv][winograd4]") {
  Generator gen(43);
  Tensor x = randn({9, 16, 12, 12}, &gen), w = normal({8, 16, 3, 3}, 0.0f, 0.1f, &gen), b = randn({8}, &gen);
  Tensor dy = randn({9, 8, 12, 12}, &gen);
  const Grads w4 = run(x, w, b, dy, 1, kWinograd4), ref = run(x, w, b, dy, 1, kIm2col);
  CHECK(allclose(w4.y, ref.y, 1e-4f, 1e-4f));
  CHECK(allclose(w4.dx, ref.dx, 1e-4f, 1e-4f));
  CHECK(allclose(w4.dw, ref.dw, 1e-4f, 1e-3f));
  // The same bits run to run (per-chunk dU summed in chunk order).
  const Grads again = run(x, w, b, dy, 1, kWinograd4);
  CHECK(same_bits(w4.y, again.y));
  CHECK(same_bits(w4.dx, again.dx));
  CHECK(same_bits(w4.dw, again.dw));

  for (int64_t pad : {0, 1, 2}) {
    auto r = gradcheck([pad](const std::vector<Tensor>& in) { return conv_algo(in[0], in[1], in[2], pad, kWinograd4); },
                       {randn({2, 2, 6, 7}, &gen), randn({3, 2, 3, 3}, &gen), randn({3}, &gen)});
    INFO("padding " << pad << ": " << r.message);
    CHECK(r.ok);
    CHECK(r.checked > 0);
  }
}

TEST_CASE("automatic conv2d picks F(4x4) only on maps of 16x16 and more", "[conv][winograd4]") {
  Generator gen(44);
  // 16 channels @ 16x16: automatic is F(4x4) -- bit for bit the forced path.
  Tensor x = randn({2, 16, 16, 16}, &gen), w = randn({8, 16, 3, 3}, &gen);
  CHECK(same_bits(conv_algo(x, w, Tensor(), 1, 0), conv_algo(x, w, Tensor(), 1, kWinograd4)));
  // @ 8x8 it stays F(2x2).
  Tensor xs = randn({2, 16, 8, 8}, &gen);
  CHECK(same_bits(conv_algo(xs, w, Tensor(), 1, 0), conv_algo(xs, w, Tensor(), 1, kWinograd2)));
  // A strided conv forced to F(4x4) falls back to im2col.
  const Attrs strided = Attrs().set("stride", int64_t{2}).set("padding", int64_t{1});
  CHECK(same_bits(call_op("conv2d", {x, w}, Attrs(strided).set("algo", kWinograd4)),
                  call_op("conv2d", {x, w}, Attrs(strided).set("algo", kIm2col))));
}
