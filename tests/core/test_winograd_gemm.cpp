// The Winograd convolutions' GEMM kernels (core/src/ops/winograd_gemm.cpp) against a float64
// reference, on shapes that are not multiples of their register blocks (rows, column vectors,
// the nt kernel's k vectors and its 2-D edge blocks), with NaN in every padding column of the
// inputs (a kernel that reads past n or k fails) and a sentinel past n in c (one that writes
// past it fails). Each build tests its own ISA's kernels (16 lanes with AVX-512, 8 with AVX2).
#include <catch2/catch.hpp>

#include "ops/winograd_gemm.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

using namespace janus::detail;

namespace {

enum class Kind { nn, tn, nt };

// a and b as the kernel reads them: nn a (m, k) b (k, n); tn a (k, m) b (k, n); nt a (m, k) b (n, k).
struct Case {
  int64_t m, n, k;
  Kind kind;
};

void check(const Case& s, std::mt19937& rng) {
  const bool at = s.kind == Kind::tn, bt = s.kind == Kind::nt;
  const int64_t a_rows = at ? s.k : s.m, a_cols = at ? s.m : s.k;
  const int64_t b_rows = bt ? s.n : s.k, b_cols = bt ? s.k : s.n;
  const int64_t lda = a_cols + 3, ldb = b_cols + 5, ldc = s.n + 7;  // padded, not vector-aligned
  const float nan = std::numeric_limits<float>::quiet_NaN(), sentinel = -12345.0f;
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> a(static_cast<size_t>(a_rows * lda), nan), b(static_cast<size_t>(b_rows * ldb), nan);
  std::vector<float> c(static_cast<size_t>(s.m * ldc), sentinel);
  for (int64_t r = 0; r < a_rows; ++r)
    for (int64_t q = 0; q < a_cols; ++q) a[r * lda + q] = normal(rng);
  for (int64_t r = 0; r < b_rows; ++r)
    for (int64_t q = 0; q < b_cols; ++q) b[r * ldb + q] = normal(rng);
  switch (s.kind) {
    case Kind::nn: wgemm_nn(s.m, s.n, s.k, a.data(), lda, b.data(), ldb, c.data(), ldc); break;
    case Kind::tn: wgemm_tn(s.m, s.n, s.k, a.data(), lda, b.data(), ldb, c.data(), ldc); break;
    case Kind::nt: wgemm_nt(s.m, s.n, s.k, a.data(), lda, b.data(), ldb, c.data(), ldc); break;
  }
  // Any float32 summation order of k products errs by at most k * 2^-24 of their absolute sum
  // (k - 1 additions, each rounding by at most half an ulp, plus the products' own rounding).
  const double unit = std::ldexp(1.0, -24);
  double worst = 0.0;
  int64_t bad = 0;
  for (int64_t i = 0; i < s.m; ++i) {
    for (int64_t j = 0; j < s.n; ++j) {
      double sum = 0.0, abs_sum = 0.0;
      for (int64_t p = 0; p < s.k; ++p) {
        const double x = at ? a[p * lda + i] : a[i * lda + p];
        const double y = bt ? b[j * ldb + p] : b[p * ldb + j];
        sum += x * y, abs_sum += std::fabs(x * y);
      }
      const double err = std::fabs(c[i * ldc + j] - sum), bound = static_cast<double>(s.k) * unit * abs_sum;
      if (!(err <= bound)) ++bad;  // also counts NaN
      if (abs_sum > 0.0) worst = std::max(worst, err / abs_sum);
    }
    for (int64_t j = s.n; j < ldc; ++j)
      if (c[i * ldc + j] != sentinel) ++bad;
  }
  INFO("kind " << static_cast<int>(s.kind) << " m " << s.m << " n " << s.n << " k " << s.k << " lanes "
               << wgemm_lanes() << ": worst error / sum|products| " << worst);
  CHECK(bad == 0);
}

}  // namespace

TEST_CASE("winograd gemm: nn, tn, nt against float64 on odd shapes and tails", "[conv][winograd]") {
  std::mt19937 rng(7);
  const int64_t ms[] = {1, 3, 4, 5, 13, 64};
  const int64_t ns[] = {1, 5, 16, 17, 33, 64, 65, 129};
  const int64_t ks[] = {1, 7, 16, 17, 64, 130};
  for (Kind kind : {Kind::nn, Kind::tn, Kind::nt})
    for (int64_t m : ms)
      for (int64_t n : ns)
        for (int64_t k : ks) check({m, n, k, kind}, rng);
}

TEST_CASE("winograd gemm: the same bits whatever the buffers' alignment", "[conv][winograd]") {
  // The summation order depends on the shape only: the same values one float further on (another
  // alignment, as another chunk's position matrix has) give the same bits.
  std::mt19937 rng(9);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const int64_t m = 13, n = 70, k = 75;
  std::vector<float> a(static_cast<size_t>(m * k + 1)), b(static_cast<size_t>(n * k + 1));
  for (float& v : a) v = normal(rng);
  for (float& v : b) v = normal(rng);
  std::vector<float> a1(a.size() + 1), b1(b.size() + 1), c0(static_cast<size_t>(m * n)), c1(c0.size());
  std::copy(a.begin(), a.end(), a1.begin() + 1);
  std::copy(b.begin(), b.end(), b1.begin() + 1);
  wgemm_nt(m, n, k, a.data(), k, b.data(), k, c0.data(), n);
  wgemm_nt(m, n, k, a1.data() + 1, k, b1.data() + 1, k, c1.data(), n);
  CHECK(c0 == c1);
  wgemm_nn(m, n, 5, a.data(), 5, b.data(), n, c0.data(), n);
  wgemm_nn(m, n, 5, a1.data() + 1, 5, b1.data() + 1, n, c1.data(), n);
  CHECK(c0 == c1);
}
