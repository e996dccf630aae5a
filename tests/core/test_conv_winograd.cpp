// conv2d's Winograd F(2x2,3x3) path (3x3, stride 1): forced with the op's "algo" attribute
// and compared with naive double loops on odd shapes (batch 1, odd H/W, one input channel,
// C_out prime, several batch chunks), with the im2col path, with gradcheck, run to run.
#include <catch2/catch.hpp>

#include <janus/core/autograd.h>
#include <janus/core/op.h>
#include <janus/core/ops.h>
#include <janus/core/random.h>

#include <conv_reference.h>
#include <gradcheck.h>

#include <limits>
#include <string>
#include <vector>

using namespace janus;
using janus::testing::conv2d_algo;
using janus::testing::conv2d_grads;
using janus::testing::ConvGrads;
using janus::testing::exact_conv3x3;
using janus::testing::ExactConv;
using janus::testing::gradcheck;
using janus::testing::same_bits;

namespace {

constexpr int64_t kIm2col = 1, kWinograd = 2;

// y (without bias), dx, dw, db of a 3x3 stride-1 convolution by direct loops in double, as
// float tensors.
ConvGrads naive_3x3(const Tensor& x, const Tensor& w, const Tensor& dy, int64_t pad) {
  const ExactConv e = exact_conv3x3(x, w, Tensor(), dy, pad);
  auto t = [](const std::vector<double>& v, const Shape& s) {
    return from_vector(std::vector<float>(v.begin(), v.end()), s);
  };
  return {t(e.y, dy.shape()), t(e.dx, x.shape()), t(e.dw, w.shape()), t(e.db, {w.size(0)})};
}

}  // namespace

TEST_CASE("winograd conv2d matches naive loops on odd shapes", "[conv][winograd]") {
  Generator gen(21);
  struct Case {
    Shape x;
    int64_t c_out, padding;
  };
  // The last case holds 127 + 1 channels: 1024 tiles per chunk, 256 per 31x31 image, so
  // the batch of 5 runs as a chunk of 4 images and one of 1.
  const std::vector<Case> cases = {
      {{1, 1, 5, 5}, 1, 1},  {{1, 1, 7, 9}, 5, 0},   {{2, 3, 6, 5}, 7, 1},  {{1, 2, 3, 3}, 3, 0},
      {{3, 4, 4, 8}, 5, 2},  {{1, 17, 11, 13}, 13, 1}, {{5, 1, 31, 31}, 127, 1},
  };
  for (const Case& c : cases) {
    Tensor x = randn(c.x, &gen), w = randn({c.c_out, c.x[1], 3, 3}, &gen), b = randn({c.c_out}, &gen);
    const Shape y_shape = {c.x[0], c.c_out, c.x[2] + 2 * c.padding - 2, c.x[3] + 2 * c.padding - 2};
    Tensor dy = randn(y_shape, &gen);
    const ConvGrads got = conv2d_grads(x, w, b, dy, c.padding, kWinograd);
    const ConvGrads want = naive_3x3(x, w, dy, c.padding);
    INFO("input " << shape_str(c.x) << " C_out " << c.c_out << " padding " << c.padding);
    CHECK(allclose(got.y, want.y + b.reshape({1, c.c_out, 1, 1}), 1e-4f, 1e-4f));
    CHECK(allclose(got.dx, want.dx, 1e-4f, 1e-4f));
    CHECK(allclose(got.dw, want.dw, 1e-4f, 1e-3f));
    CHECK(allclose(got.db, want.db, 1e-4f, 1e-3f));
  }
}

TEST_CASE("conv2d's dx is written whole, whatever its buffer held before", "[conv][winograd]") {
  // The kernels write dx without a zero fill first (Winograd) or zero it themselves (im2col,
  // direct). Buffers of dx's size filled with NaN go back to the caching allocator first, so
  // that dx most likely reuses one: an element left unwritten would show as NaN.
  Generator gen(23);
  struct Case {
    Shape x;
    int64_t c_out, padding;
  };
  const std::vector<Case> cases = {{{2, 8, 9, 7}, 6, 0}, {{2, 8, 8, 8}, 4, 1}, {{1, 9, 13, 11}, 5, 2},
                                   {{3, 2, 10, 10}, 4, 1}, {{2, 16, 16, 16}, 8, 1}};
  for (int64_t algo : {int64_t{1}, int64_t{2}, int64_t{3}, int64_t{4}}) {
    for (const Case& c : cases) {
      Tensor x = randn(c.x, &gen), w = randn({c.c_out, c.x[1], 3, 3}, &gen), b = randn({c.c_out}, &gen);
      Tensor dy = randn({c.x[0], c.c_out, c.x[2] + 2 * c.padding - 2, c.x[3] + 2 * c.padding - 2}, &gen);
      {
        std::vector<Tensor> poison;
        for (int i = 0; i < 4; ++i) poison.push_back(full(c.x, std::numeric_limits<float>::quiet_NaN()));
      }
      const ConvGrads got = conv2d_grads(x, w, b, dy, c.padding, algo);
      const ConvGrads want = naive_3x3(x, w, dy, c.padding);
      INFO("algo " << algo << " input " << shape_str(c.x) << " C_out " << c.c_out << " padding " << c.padding);
      CHECK(allclose(got.dx, want.dx, 1e-4f, 1e-3f));
    }
  }
}

TEST_CASE("winograd and im2col conv2d agree on benchmark-like layers", "[conv][winograd]") {
  Generator gen(22);
  const std::vector<std::vector<int64_t>> layers = {{4, 16, 16, 12}, {3, 32, 8, 24}, {2, 24, 9, 7}};
  for (const auto& l : layers) {
    Tensor x = randn({l[0], l[1], l[2], l[2]}, &gen), w = normal({l[3], l[1], 3, 3}, 0.0f, 0.1f, &gen);
    Tensor b = randn({l[3]}, &gen), dy = randn({l[0], l[3], l[2], l[2]}, &gen);
    const ConvGrads wino = conv2d_grads(x, w, b, dy, 1, kWinograd), ref = conv2d_grads(x, w, b, dy, 1, kIm2col);
    const ConvGrads automatic = conv2d_grads(x, w, b, dy, 1, 0);
    INFO("x " << shape_str(x.shape()) << " w " << shape_str(w.shape()));
    CHECK(allclose(wino.y, ref.y, 1e-5f, 1e-5f));
    CHECK(allclose(wino.dx, ref.dx, 1e-5f, 1e-5f));
    CHECK(allclose(wino.dw, ref.dw, 1e-5f, 1e-4f));
    CHECK(allclose(wino.db, ref.db, 1e-5f, 1e-5f));
    // Automatic runs F(4x4,3x3) on the 16x16 map: bounded by 2e-5 of the sum of |products|
    // (test_conv_winograd4.cpp); for dw that sum is ~ N*H*W * |x| * |dy| = 1024 * 0.64 here.
    const bool f4 = l[2] >= 16;
    CHECK(allclose(automatic.y, ref.y, 1e-5f, f4 ? 2e-5f * 9 * l[1] * 0.1f * 0.8f : 1e-5f));
    CHECK(allclose(automatic.dw, ref.dw, 1e-5f, f4 ? 2e-5f * l[0] * l[2] * l[2] * 0.64f : 1e-4f));
  }
}

TEST_CASE("winograd conv2d passes gradcheck", "[conv][winograd]") {
  Generator gen(23);
  struct Variant {
    const char* name;
    Shape x, w;
    int64_t padding;
  };
  const std::vector<Variant> variants = {
      {"padding 1 odd size", {2, 2, 5, 5}, {3, 2, 3, 3}, 1},
      {"padding 0 one channel", {1, 1, 6, 7}, {2, 1, 3, 3}, 0},
      {"padding 2", {1, 2, 3, 4}, {3, 2, 3, 3}, 2},
  };
  for (const Variant& v : variants) {
    SECTION(v.name) {
      const int64_t pad = v.padding;
      auto r = gradcheck(
          [pad](const std::vector<Tensor>& in) { return conv2d_algo(in[0], in[1], in[2], pad, kWinograd); },
          {randn(v.x, &gen), randn(v.w, &gen), randn({v.w[0]}, &gen)});
      INFO(r.message);
      CHECK(r.ok);
      CHECK(r.checked > 0);
    }
  }
}

TEST_CASE("winograd conv2d is bitwise deterministic run to run", "[conv][winograd]") {
  Generator gen(24);
  Tensor x = randn({3, 16, 10, 10}, &gen), w = randn({8, 16, 3, 3}, &gen), b = randn({8}, &gen);
  Tensor dy = randn({3, 8, 10, 10}, &gen);
  const ConvGrads first = conv2d_grads(x, w, b, dy, 1, kWinograd), second = conv2d_grads(x, w, b, dy, 1, kWinograd);
  CHECK(same_bits(first.y, second.y));
  CHECK(same_bits(first.dx, second.dx));
  CHECK(same_bits(first.dw, second.dw));
}

TEST_CASE("conv2d algo attribute falls back where winograd does not apply and rejects bad values",
          "[conv][winograd]") {
  Generator gen(25);
  Tensor x = randn({2, 3, 7, 7}, &gen), w = randn({4, 3, 3, 3}, &gen);
  const Attrs strided = Attrs().set("stride", int64_t{2}).set("padding", int64_t{1});
  Tensor forced = call_op("conv2d", {x, w}, Attrs(strided).set("algo", kWinograd));
  Tensor plain = call_op("conv2d", {x, w}, Attrs(strided).set("algo", kIm2col));
  CHECK(same_bits(forced, plain));
  try {
    call_op("conv2d", {x, w}, Attrs().set("algo", int64_t{7}));
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK_THAT(e.what(), Catch::Contains("conv2d") && Catch::Contains("algo") && Catch::Contains("got 7"));
  }
}
