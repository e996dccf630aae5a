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

#include <conv_reference.h>
#include <gradcheck.h>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace janus;
using janus::testing::conv2d_algo;
using janus::testing::conv2d_grads;
using janus::testing::ConvGrads;
using janus::testing::exact_conv3x3;
using janus::testing::ExactConv;
using janus::testing::gradcheck;
using janus::testing::rel_error;
using janus::testing::same_bits;

namespace {

constexpr int64_t kIm2col = 1, kWinograd2 = 2, kWinograd4 = 3;

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
    const ExactConv want = exact_conv3x3(x, w, Tensor(), dy, c.padding);
    const ConvGrads got = conv2d_grads(x, w, b, dy, c.padding, kWinograd4);
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
    const ExactConv want = exact_conv3x3(x, w, Tensor(), dy, 1);
    const ConvGrads w4 = conv2d_grads(x, w, Tensor(), dy, 1, kWinograd4), w2 = conv2d_grads(x, w, Tensor(), dy, 1, kWinograd2);
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
  const ConvGrads w4 = conv2d_grads(x, w, b, dy, 1, kWinograd4), ref = conv2d_grads(x, w, b, dy, 1, kIm2col);
  CHECK(allclose(w4.y, ref.y, 1e-4f, 1e-4f));
  CHECK(allclose(w4.dx, ref.dx, 1e-4f, 1e-4f));
  CHECK(allclose(w4.dw, ref.dw, 1e-4f, 1e-3f));
  // The same bits run to run (per-chunk dU summed in chunk order).
  const ConvGrads again = conv2d_grads(x, w, b, dy, 1, kWinograd4);
  CHECK(same_bits(w4.y, again.y));
  CHECK(same_bits(w4.dx, again.dx));
  CHECK(same_bits(w4.dw, again.dw));

  for (int64_t pad : {0, 1, 2}) {
    auto r = gradcheck([pad](const std::vector<Tensor>& in) { return conv2d_algo(in[0], in[1], in[2], pad, kWinograd4); },
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
  CHECK(same_bits(conv2d_algo(x, w, Tensor(), 1, 0), conv2d_algo(x, w, Tensor(), 1, kWinograd4)));
  // @ 8x8 it stays F(2x2).
  Tensor xs = randn({2, 16, 8, 8}, &gen);
  CHECK(same_bits(conv2d_algo(xs, w, Tensor(), 1, 0), conv2d_algo(xs, w, Tensor(), 1, kWinograd2)));
  // A strided conv forced to F(4x4) falls back to im2col.
  const Attrs strided = Attrs().set("stride", int64_t{2}).set("padding", int64_t{1});
  CHECK(same_bits(call_op("conv2d", {x, w}, Attrs(strided).set("algo", kWinograd4)),
                  call_op("conv2d", {x, w}, Attrs(strided).set("algo", kIm2col))));
}
