// max_pool2d's branchless scan (and its vectorized 2x2 stride-2 fast path) against a naive scan:
// values, first-max ties, NaN propagation and where backward routes the gradient, for the
// fast path and the general path; no index is kept when no gradient is needed.
#include <catch2/catch.hpp>

#include <janus/core/autograd.h>
#include <janus/core/ops/pool.h>
#include <janus/core/random.h>

#include <cmath>
#include <limits>

using namespace janus;

namespace {

// Naive max pooling of one (N, C, H, W) tensor: value and flat in-plane index of the first
// maximum (NaN wins), padding as -inf.
void naive_max_pool(const Tensor& x, int64_t k, int64_t s, int64_t pad, std::vector<float>& val,
                    std::vector<int64_t>& idx) {
  const int64_t planes = x.size(0) * x.size(1), h = x.size(2), w = x.size(3);
  const int64_t oh = (h + 2 * pad - k) / s + 1, ow = (w + 2 * pad - k) / s + 1;
  val.clear();
  idx.clear();
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j) {
        float best = -std::numeric_limits<float>::infinity();
        int64_t bi = -1;
        for (int64_t a = i * s - pad; a < i * s - pad + k; ++a)
          for (int64_t b = j * s - pad; b < j * s - pad + k; ++b) {
            if (a < 0 || b < 0 || a >= h || b >= w) continue;
            const float v = x.data()[p * h * w + a * w + b];
            if (bi < 0 && !std::isnan(best)) bi = a * w + b;
            if (!std::isnan(best) && (v > best || std::isnan(v))) {
              best = v;
              bi = a * w + b;
            }
          }
        val.push_back(best);
        idx.push_back(bi);
      }
}

void check_against_naive(int64_t k, int64_t s, int64_t pad, int64_t width) {
  Generator gen(7);
  Tensor x = randn({2, 3, 8, width}, &gen);
  float* px = x.data();
  for (int64_t i = 0; i < x.numel(); i += 5) px[i] = std::round(px[i]);  // ties
  px[3] = std::numeric_limits<float>::quiet_NaN();
  px[50] = std::numeric_limits<float>::quiet_NaN();
  px[51] = std::numeric_limits<float>::quiet_NaN();
  px[100] = -std::numeric_limits<float>::infinity();
  px[2 * width] = px[2 * width + 1] = px[3 * width] = px[3 * width + 1] = -std::numeric_limits<float>::infinity();
  x.requires_grad_();
  Tensor y = max_pool2d(x, Pool2dOptions(k).stride(s).padding(pad));
  std::vector<float> val;
  std::vector<int64_t> idx;
  naive_max_pool(x, k, s, pad, val, idx);
  REQUIRE(static_cast<size_t>(y.numel()) == val.size());
  for (size_t o = 0; o < val.size(); ++o) {
    if (std::isnan(val[o])) {
      CHECK(std::isnan(y.data()[o]));
    } else {
      CHECK(y.data()[o] == val[o]);
    }
  }
  // Backward with dy = output index + 1: dx at each routed position is the sum of those.
  Tensor dy = empty(y.shape());
  for (int64_t o = 0; o < dy.numel(); ++o) dy.data()[o] = static_cast<float>(o + 1);
  y.backward(dy);
  std::vector<float> expect(x.numel(), 0.0f);
  const int64_t per_plane_out = y.size(2) * y.size(3), per_plane_in = x.size(2) * x.size(3);
  for (size_t o = 0; o < idx.size(); ++o)
    expect[(o / per_plane_out) * per_plane_in + idx[o]] += static_cast<float>(o + 1);
  CHECK(x.grad().to_vector() == expect);
}

}  // namespace

TEST_CASE("max_pool2d 2x2 stride 2 fast path matches a naive scan with ties and NaN", "[pool]") {
  check_against_naive(2, 2, 0, 6);   // scalar tail only
  check_against_naive(2, 2, 0, 36);  // 8-wide vector steps and a tail
  check_against_naive(2, 2, 0, 7);   // odd width: the last column is in no window
}

TEST_CASE("max_pool2d general path matches a naive scan with ties and NaN", "[pool]") {
  check_against_naive(3, 2, 1, 6);
  check_against_naive(2, 1, 1, 7);
}

TEST_CASE("max_pool2d without grad gives the same values", "[pool]") {
  Generator gen(3);
  Tensor x = randn({1, 2, 6, 6}, &gen);
  Tensor a = max_pool2d(x, Pool2dOptions(2));
  Tensor xr = x.clone().requires_grad_();
  Tensor b = max_pool2d(xr, Pool2dOptions(2));
  CHECK(a.to_vector() == b.to_vector());
  CHECK(!a.grad_fn());
}
