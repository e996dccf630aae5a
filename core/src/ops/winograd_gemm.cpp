// Register-blocked products for the Winograd convolutions (see winograd_gemm.h). No packing:
// the matrices are small (C_out x C_in of 32-128, a few hundred tiles wide) and already laid
// out with unit stride along the vectorized dimension.
//   nn / tn: a block of kRows rows of c by kCols vectors of columns stays in registers while
//            the k loop broadcasts one element of a per row and loads kCols vectors of b's row.
//   nt:      each c element is a dot product of two rows; a block keeps kLanes accumulators
//            (one per element of a kNtRows x kNtCols block), lane l summing the terms p with
//            p = l (mod kLanes) in order, and a shuffle tree reduces the kLanes vectors to one
//            vector of kLanes sums at the end.
// Every element's summation order depends on k and the lane count only.
#include "winograd_gemm.h"

#include "scratch.h"
#include "winograd_shared.h"

#include <cstring>
#include <utility>
#include <vector>

namespace janus::detail {

namespace {

// Lanes, the vector type and its loads and stores are winograd_shared.h's.
constexpr int kLanes = static_cast<int>(kWinoLanes);
using Vec = WinoVec;

#if defined(__AVX512F__)
// 32 vector registers: nn keeps 4 x 4 accumulators + 4 b vectors + a broadcast.
constexpr int kCols = 4;
constexpr int kNtRows = 4, kNtCols = 4;  // 16 accumulators, one vector of sums
#else
// 16 vector registers (AVX2): 4 x 3 accumulators + 3 b vectors + a broadcast.
constexpr int kCols = 3;
constexpr int kNtRows = 2, kNtCols = 4;  // 8 accumulators, one vector of sums
#endif
constexpr int kRows = 4;
static_assert(kNtRows * kNtCols == kLanes, "nt reduces exactly one vector of accumulators");

// v, kept in a register: without this GCC folds a vector's load into each of the 4 FMAs that
// use it (4 loads instead of 1: 20 loads per 16 FMAs, which made the kernels load-bound).
inline Vec in_register(Vec v) {
  asm("" : "+v"(v));
  return v;
}
// The first w (< kLanes) floats of p, the rest zero; and the first w lanes of v into p.
inline Vec load_part(const float* p, int w) {
  Vec v = {};
  std::memcpy(&v, p, sizeof(float) * static_cast<size_t>(w));
  return v;
}
inline void store_part(float* p, Vec v, int w) { std::memcpy(p, &v, sizeof(float) * static_cast<size_t>(w)); }

// c rows [0, R) x columns [0, V vectors) = sum_p a(r, p) b(p, :), a(r, p) = a[r * ars + p * aks].
// kPart: the last vector holds only w columns.
template <int R, int V, bool kPart>
void nn_block(int64_t k, const float* a, int64_t ars, int64_t aks, const float* b, int64_t ldb, float* c,
              int64_t ldc, int w) {
  Vec acc[R][V];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v) acc[r][v] = Vec{};
  for (int64_t p = 0; p < k; ++p) {
    const float* bp = b + p * ldb;
    Vec bv[V];
    for (int v = 0; v < V; ++v)
      bv[v] = in_register((kPart && v == V - 1) ? load_part(bp + v * kLanes, w) : load(bp + v * kLanes));
    for (int r = 0; r < R; ++r) {
      const float s = a[r * ars + p * aks];
      for (int v = 0; v < V; ++v) acc[r][v] += s * bv[v];
    }
  }
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v) {
      float* cp = c + r * ldc + v * kLanes;
      if (kPart && v == V - 1)
        store_part(cp, acc[r][v], w);
      else
        store(cp, acc[r][v]);
    }
}

// All m rows of one column block.
template <int V, bool kPart>
void nn_rows(int64_t m, int64_t k, const float* a, int64_t ars, int64_t aks, const float* b, int64_t ldb, float* c,
             int64_t ldc, int w) {
  int64_t i = 0;
  if constexpr (V == 1) {  // one vector wide: 8 rows a block, so that 8 chains of FMAs hide their latency
    for (; i + 2 * kRows <= m; i += 2 * kRows)
      nn_block<2 * kRows, 1, kPart>(k, a + i * ars, ars, aks, b, ldb, c + i * ldc, ldc, w);
  }
  for (; i + kRows <= m; i += kRows) nn_block<kRows, V, kPart>(k, a + i * ars, ars, aks, b, ldb, c + i * ldc, ldc, w);
  const float* ai = a + i * ars;
  float* ci = c + i * ldc;
  static_assert(kRows == 4, "the row tail below handles 1 to 3 rows");
  switch (m - i) {
    case 3: nn_block<3, V, kPart>(k, ai, ars, aks, b, ldb, ci, ldc, w); break;
    case 2: nn_block<2, V, kPart>(k, ai, ars, aks, b, ldb, ci, ldc, w); break;
    case 1: nn_block<1, V, kPart>(k, ai, ars, aks, b, ldb, ci, ldc, w); break;
    default: break;
  }
}

// Column blocks outermost: one block of b (k rows x kCols vectors) is reused by all row blocks
// while it sits in L1 (k <= 128 rows of 256 bytes: 32 KiB, under the 48 KiB L1d of Zen 5; AVX2's
// 96-byte rows take 12 KiB of Zen 3's 32 KiB).
void nn_any(int64_t m, int64_t n, int64_t k, const float* a, int64_t ars, int64_t aks, const float* b, int64_t ldb,
            float* c, int64_t ldc) {
  int64_t j = 0;
  for (; j + kCols * kLanes <= n; j += kCols * kLanes)
    nn_rows<kCols, false>(m, k, a, ars, aks, b + j, ldb, c + j, ldc, 0);
  // The rest in one block of up to kCols vectors, the last one partial (a block of 1 vector
  // at a time had 4 accumulators only, latency-bound).
  const int64_t rest = n - j, whole = rest / kLanes;
  const int w = static_cast<int>(rest % kLanes);
  static_assert(kCols <= 4, "the column tail below handles up to 4 vectors");
  switch (whole + (w > 0 ? 1 : 0)) {
    case 1:
      if (w) nn_rows<1, true>(m, k, a, ars, aks, b + j, ldb, c + j, ldc, w);
      else nn_rows<1, false>(m, k, a, ars, aks, b + j, ldb, c + j, ldc, 0);
      break;
    case 2:
      if (w) nn_rows<2, true>(m, k, a, ars, aks, b + j, ldb, c + j, ldc, w);
      else nn_rows<2, false>(m, k, a, ars, aks, b + j, ldb, c + j, ldc, 0);
      break;
    case 3:
      if (w) nn_rows<3, true>(m, k, a, ars, aks, b + j, ldb, c + j, ldc, w);
      else nn_rows<3, false>(m, k, a, ars, aks, b + j, ldb, c + j, ldc, 0);
      break;
    case 4:
      if (w) nn_rows<4, true>(m, k, a, ars, aks, b + j, ldb, c + j, ldc, w);
      break;
    default: break;
  }
}

// Shuffle masks of the reduction tree. Two vectors x, y of kLanes / g groups of g lanes each
// become one of 2 kLanes / g groups of g / 2 lanes: group q of x's first (second) halves then
// group q of y's, i.e. lane e of group q' takes x's (or, for q' >= kLanes / g, y's) group
// q' mod (kLanes / g) at offset e (+ g / 2 for the second halves). Adding the two picks folds
// every group in half, and the groups stay in accumulator order.
constexpr int fold_source(int g, bool second, int lane) {
  const int groups = kLanes / g, half = g / 2;
  const int q = lane / half, e = lane % half;
  return (q < groups ? q * g + e : kLanes + (q - groups) * g + e) + (second ? half : 0);
}
// __builtin_shufflevector takes the lane indices as constants and is understood by GCC (12 and
// later) and Clang alike (the fuzz build compiles janus with Clang; GCC's __builtin_shuffle is
// GCC's only).
template <int G, bool kSecond, int... Lane>
inline Vec pick(Vec x, Vec y, std::integer_sequence<int, Lane...>) {
  return __builtin_shufflevector(x, y, fold_source(G, kSecond, Lane)...);
}

template <int G>
inline Vec fold(Vec x, Vec y) {
  return pick<G, false>(x, y, std::make_integer_sequence<int, kLanes>{}) +
         pick<G, true>(x, y, std::make_integer_sequence<int, kLanes>{});
}

// v[0 .. count) (count vectors, each kLanes / count groups of G lanes) -> v[0 .. count / 2).
template <int G>
inline void fold_level(Vec* v, int count) {
  for (int i = 0; i < count / 2; ++i) v[i] = fold<G>(v[2 * i], v[2 * i + 1]);
}

// Lane i of the result is the sum of the lanes of acc[i], in a fixed tree order.
inline Vec reduce_lanes(Vec* acc) {
  int count = kLanes;
  fold_level<kLanes>(acc, count), count /= 2;
  fold_level<kLanes / 2>(acc, count), count /= 2;
  fold_level<kLanes / 4>(acc, count), count /= 2;
  if constexpr (kLanes == 16) fold_level<kLanes / 8>(acc, count), count /= 2;
  return acc[0];
}

// c rows [0, R) x columns [0, C) = dot products of a's rows with b's rows over k.
template <int R, int C>
void nt_block(int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc) {
  Vec acc[kLanes];
  for (int i = 0; i < kLanes; ++i) acc[i] = Vec{};
  int64_t p = 0;
  for (; p + kLanes <= k; p += kLanes) {
    Vec av[R];
    for (int r = 0; r < R; ++r) av[r] = in_register(load(a + r * lda + p));
    for (int j = 0; j < C; ++j) {
      const Vec bv = in_register(load(b + j * ldb + p));
      for (int r = 0; r < R; ++r) acc[r * kNtCols + j] += av[r] * bv;
    }
  }
  if (p < k) {  // zero-extended last vector: adds exact zeros in the missing lanes
    const int w = static_cast<int>(k - p);
    Vec av[R];
    for (int r = 0; r < R; ++r) av[r] = load_part(a + r * lda + p, w);
    for (int j = 0; j < C; ++j) {
      const Vec bv = load_part(b + j * ldb + p, w);
      for (int r = 0; r < R; ++r) acc[r * kNtCols + j] += av[r] * bv;
    }
  }
  float sums[kLanes];
  store(sums, reduce_lanes(acc));
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < C; ++j) c[r * ldc + j] = sums[r * kNtCols + j];
}

using NtBlock = void (*)(int64_t, const float*, int64_t, const float*, int64_t, float*, int64_t);

template <int R, int... Cs>
constexpr void fill_row(NtBlock* row, std::integer_sequence<int, Cs...>) {
  ((row[Cs] = &nt_block<R, Cs + 1>), ...);
}
template <int... Rs>
constexpr void fill_table(NtBlock (*table)[kNtCols], std::integer_sequence<int, Rs...>) {
  (fill_row<Rs + 1>(table[Rs], std::make_integer_sequence<int, kNtCols>{}), ...);
}
// nt_block<r + 1, c + 1> for the edge blocks of any shape.
struct NtTable {
  NtBlock at[kNtRows][kNtCols];
  NtTable() : at{} { fill_table(at, std::make_integer_sequence<int, kNtRows>{}); }
};

}  // namespace

int wgemm_lanes() { return kLanes; }

void wgemm_nn(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
              int64_t ldc) {
  nn_any(m, n, k, a, lda, 1, b, ldb, c, ldc);
}

void wgemm_tn(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
              int64_t ldc) {
  nn_any(m, n, k, a, 1, lda, b, ldb, c, ldc);
}

namespace {

// c = a b^T as dot products of rows (nt_block, the lane-reduction tree per block).
void nt_dots(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
             int64_t ldc) {
  static const NtTable table;
  for (int64_t i = 0; i < m; i += kNtRows) {
    const int64_t rows = m - i < kNtRows ? m - i : kNtRows;
    for (int64_t j = 0; j < n; j += kNtCols) {
      const int64_t cols = n - j < kNtCols ? n - j : kNtCols;
      table.at[rows - 1][cols - 1](k, a + i * lda, lda, b + j * ldb, ldb, c + i * ldc + j, ldc);
    }
  }
}

// c = a b^T as nn products: each block of kCols vectors of b's rows is transposed into a
// (k, kCols * kLanes) panel first, then nn_any runs on it (no reduction tree; p summed in order).
// One round of a kLanes x kLanes transposition in registers: rows i and i + D (bit D of i
// clear) swap the lanes whose bit D differs from the row's, so that after the rounds for
// every bit, lane c of row i holds what was lane i of row c.
template <int D, int... C>
inline Vec swap_low(Vec x, Vec y, std::integer_sequence<int, C...>) {
  return __builtin_shufflevector(x, y, ((C & D) ? kLanes + C - D : C)...);
}
template <int D, int... C>
inline Vec swap_high(Vec x, Vec y, std::integer_sequence<int, C...>) {
  return __builtin_shufflevector(x, y, ((C & D) ? kLanes + C : C + D)...);
}
template <int D>
inline void transpose_round(Vec* r) {
  for (int i = 0; i < kLanes; ++i) {
    if (i & D) continue;
    const Vec x = r[i], y = r[i + D];
    r[i] = swap_low<D>(x, y, std::make_integer_sequence<int, kLanes>{});
    r[i + D] = swap_high<D>(x, y, std::make_integer_sequence<int, kLanes>{});
  }
}
inline void transpose_block(Vec* r) {
  if constexpr (kLanes == 16) transpose_round<8>(r);
  transpose_round<4>(r);
  transpose_round<2>(r);
  transpose_round<1>(r);
}

// bt (k, kW) = the transpose of b's rows [0, w) (each k floats, ldb apart): kLanes x kLanes
// blocks in registers, the edges element by element. (Element by element throughout, it cost
// about as much as the product for m = 32: n k moves against m n k / kLanes FMAs.)
void transpose_panel(const float* b, int64_t ldb, int64_t w, int64_t k, float* bt, int64_t kW) {
  int64_t jj = 0;
  for (; jj + kLanes <= w; jj += kLanes) {
    int64_t p = 0;
    for (; p + kLanes <= k; p += kLanes) {
      Vec r[kLanes];
      for (int i = 0; i < kLanes; ++i) r[i] = load(b + (jj + i) * ldb + p);
      transpose_block(r);
      for (int i = 0; i < kLanes; ++i) store(bt + (p + i) * kW + jj, r[i]);
    }
    for (; p < k; ++p)
      for (int i = 0; i < kLanes; ++i) bt[p * kW + jj + i] = b[(jj + i) * ldb + p];
  }
  for (; jj < w; ++jj)
    for (int64_t p = 0; p < k; ++p) bt[p * kW + jj] = b[jj * ldb + p];
}

void nt_packed(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
               int64_t ldc) {
  constexpr int64_t kW = kCols * kLanes;
  static thread_local std::vector<float> t_pack;
  float* bt = scratch(t_pack, k * kW);
  for (int64_t j0 = 0; j0 < n; j0 += kW) {
    const int64_t w = n - j0 < kW ? n - j0 : kW;
    transpose_panel(b + j0 * ldb, ldb, w, k, bt, kW);
    nn_any(m, w, k, a, lda, 1, bt, kW, c + j0, ldc);
  }
}

}  // namespace

// Which form: the panel transposition costs about one move per element of b, n k, against
// m n k / kLanes vector FMAs, so its share falls with m; the reduction tree costs a fixed
// number of shuffles per block of outputs, against k / kLanes FMAs each, so its share falls
// with k. Measured (single calls, 1 thread, AVX-512 and AVX2 builds on the Zen 5): the panel
// form ran 1.3-2.4x the dot form for k = 64-128 with m = 64-128, and 0.45x (AVX2: 0.75x) for
// m = 32, k = 512 (the 32x32 layer's dU): k <= 4 m picks the faster on all of them. The
// order of each element's sum is fixed by the shape either way.
void wgemm_nt(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
              int64_t ldc) {
  if (k <= 4 * m)
    nt_packed(m, n, k, a, lda, b, ldb, c, ldc);
  else
    nt_dots(m, n, k, a, lda, b, ldb, c, ldc);
}

}  // namespace janus::detail
