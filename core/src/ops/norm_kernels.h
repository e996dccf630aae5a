// Raw kernels of the "normalize" op, free of autograd: row statistics, the fused affine
// apply (+ReLU), and the closed-form backward. A "row" is the set one statistic is taken
// over; it is made of `segs` contiguous segments of `seg_len` floats (see NormPlan).
#pragma once

#include <janus/core/ops/norm.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace janus::norm_detail {

// How x's memory maps onto statistics rows, for every NormAxes.
//   batch:    rows = C,     segs = N,     seg_len = inner, segment s of row c at (s*C + c)*inner
//   group:    rows = N*G,   segs = C/G,   seg_len = inner, segment s of row r at (r*C/G + s)*inner
//   instance: group with G = C
//   layer:    rows = numel/D, segs = 1,   seg_len = D,     affine per element of the row
struct NormPlan {
  NormAxes axes = NormAxes::batch;
  int64_t n = 0, c = 0, inner = 0, groups = 1;
  int64_t rows = 0, segs = 0, seg_len = 0;
  int64_t count() const { return segs * seg_len; }  // m
  int64_t offset(int64_t row, int64_t s) const {
    if (axes == NormAxes::batch) return (s * c + row) * inner;
    return (row * segs + s) * seg_len;
  }
  // Affine index of a segment (per-channel presets); layer norm is per element instead.
  int64_t channel(int64_t row, int64_t s) const {
    if (axes == NormAxes::batch) return row;
    if (axes == NormAxes::layer) return 0;
    return (row % groups) * segs + s;
  }
  bool per_element_affine() const { return axes == NormAxes::layer; }
  int64_t affine_size() const { return per_element_affine() ? seg_len : c; }
};

// mean (rows) and biased variance (rows) of every row: two passes, double accumulation.
void row_moments(const float* x, const NormPlan& p, std::vector<double>& mean, std::vector<double>& var);

// y = (x - mean[row]) * r[row] * gamma + beta, then max(y, 0) when relu. gamma/beta may be null.
void norm_apply(float* y, const float* x, const float* mean, const float* r, const float* gamma,
                const float* beta, const NormPlan& p, bool relu);

// Backward. dx (numel) is written when non-null (a fresh buffer, or dy itself: each dx[i]
// is written after the last read of dy[i]; not for layer norm, whose dgamma/dbeta pass
// reads dy last); dgamma, dbeta (affine_size) are written when non-null. With relu the ReLU
// mask is recomputed from x, gamma and beta (forward's own arithmetic, so the same mask bit
// for bit) -- except for layer norm, whose mask is read from y, the forward output (y is
// unused otherwise and may be null). batch_stats: the statistics depended on x (training),
// so dx gets the closed-form correction terms; k[row] is the coefficient of the variance
// term (1/m for eps inside the sqrt, see norm.cpp for the std+eps variant).
void norm_backward(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x, const float* y,
                   const float* mean, const float* r, const double* k, const float* gamma, const float* beta,
                   const NormPlan& p, bool batch_stats, bool relu);

// Batch axes only, for statistics over more than this batch (SyncBN) and deterministic mode:
// per (segment = sample, row = channel) sums in layout [seg][row]. seg_sums: sum x;
// seg_dev_parts: sum (x - mu[row])^2 and sum (x - mu[row]).
void seg_sums(const float* x, const NormPlan& p, double* sum);
void seg_dev_parts(const float* x, const NormPlan& p, const float* mu, double* sq, double* lin);

// norm_backward for batch axes with batch statistics whose count is `count` (all ranks' for
// SyncBN): per-channel (sum dy, sum dy * x_hat) are summed over this process' samples (by
// tree_sum when `tree`), dgamma/dbeta are set from them (local: the gradient allreduce sums
// them later), then reduce(sums, 2 * rows) turns them into every rank's total before dx.
struct GlobalBackward {
  double count = 0;
  bool tree = false;
  std::function<void(double* sums, int64_t n)> reduce;  // may be empty (one process)
};
void norm_backward_global(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x, const float* mean,
                          const float* r, const double* k, const float* gamma, const float* beta, const NormPlan& p,
                          bool relu, const GlobalBackward& g);

// Deterministic dgamma/dbeta of the per-sample presets (group/instance axes): the per
// (row, seg) sums folded over samples by tree_sum.
void fold_affine_tree(const std::vector<double>& seg_dy, const std::vector<double>& seg_dyx, const NormPlan& p,
                      float* dgamma, float* dbeta);

}  // namespace janus::norm_detail
