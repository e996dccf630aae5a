// Fused kernels of the normalization family: statistics (two-pass, double accumulation),
// the affine apply with optional ReLU, and the closed-form backward. Parallel over rows
// (channels for batch norm) with janus::parallel_for; every reduction has a fixed order,
// so results are the same bits run to run for a given thread count.
#include "norm_kernels.h"

#include <janus/core/deterministic.h>
#include <janus/core/parallel.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

#if defined(__FMA__)
#include <immintrin.h>
#endif

namespace janus::norm_detail {

namespace {

constexpr int64_t kFlush = 2048;  // elements summed in float lanes before going into double

// Eight float lanes as one value (GCC/Clang vector extension): one AVX register, or two
// SSE registers without -march=native. Sums run in these lanes and are flushed into
// double accumulators every kFlush elements, so long rows keep double accuracy.
typedef float V8 __attribute__((vector_size(32)));
typedef int V8i __attribute__((vector_size(32)));

inline V8 load8(const float* p) {
  V8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline double hsum(V8 v) {
  double s = 0.0;
  for (int l = 0; l < 8; ++l) s += v[l];
  return s;
}
// v where mask_src > 0, else 0 (the ReLU mask), without branches.
inline V8 relu_mask(V8 v, V8 mask_src) {
  const V8i keep = mask_src > V8{};
  return reinterpret_cast<V8>(reinterpret_cast<V8i>(v) & keep);
}

// a * b + c rounded once where the CPU has FMA (whatever the compiler would contract), once
// per operation where it has not: the same bits in every loop that calls it.
inline float fmadd(float a, float b, float c) {
#if defined(__FMA__)
  return std::fma(a, b, c);
#else
  return a * b + c;
#endif
}
inline V8 fmadd(V8 a, V8 b, V8 c) {
#if defined(__FMA__)
  return reinterpret_cast<V8>(_mm256_fmadd_ps(reinterpret_cast<__m256>(a), reinterpret_cast<__m256>(b),
                                              reinterpret_cast<__m256>(c)));
#else
  return a * b + c;
#endif
}

// dx = A dy + B x + C (norm_backward), rounded the same way in every loop: with the ReLU fused
// or applied by a separate op before, the bits agree (the compiler's own contraction of the
// expression varied with the loop around it).
inline float dx_of(float a, float dy, float b, float x, float c) { return fmadd(a, dy, fmadd(b, x, c)); }

// A segment's affine map y = x * scale + shift (then max(y, 0) with ReLU), made by the same
// code for forward and backward: backward tells where the ReLU passed from x (positive(x)
// exactly where forward's y > 0) instead of reading y, one stream of memory less.
struct SegAffine {
  float scale, shift;
  float operator()(float x) const { return fmadd(x, scale, shift); }
  bool positive(float x) const { return (*this)(x) > 0.0f; }
};
inline SegAffine seg_affine(float mu, float rs, const float* gamma, const float* beta, int64_t ch) {
  const float scale = rs * (gamma ? gamma[ch] : 1.0f);
  return {scale, fmadd(-mu, scale, beta ? beta[ch] : 0.0f)};
}

// sum p[i].
double seg_sum(const float* p, int64_t n) {
  double total = 0.0;
  for (int64_t b = 0; b < n; b += kFlush) {
    const int64_t e = std::min(n, b + kFlush);
    V8 acc{};
    int64_t i = b;
    for (; i + 8 <= e; i += 8) acc += load8(p + i);
    total += hsum(acc);
    for (; i < e; ++i) total += p[i];
  }
  return total;
}

// sq = sum (p[i] - mu)^2, lin = sum (p[i] - mu).
void seg_dev_sums(const float* p, int64_t n, float mu, double& sq, double& lin) {
  sq = lin = 0.0;
  for (int64_t b = 0; b < n; b += kFlush) {
    const int64_t e = std::min(n, b + kFlush);
    V8 a{}, l{};
    int64_t i = b;
    for (; i + 8 <= e; i += 8) {
      const V8 d = load8(p + i) - mu;
      a += d * d;
      l += d;
    }
    sq += hsum(a);
    lin += hsum(l);
    for (; i < e; ++i) {
      const double d = p[i] - mu;
      sq += d * d;
      lin += d;
    }
  }
}

// sdy = sum d, sdx = sum d * (x - mu), with d = dy masked by the ReLU: where relu(x) (the
// forward's pre-ReLU value, bit for bit) is > 0 when relu is given, else where y > 0 when y is.
// The multiply-adds are explicit (fmadd), so that the three loops round alike and a ReLU fused
// here gives the bits of a separate relu op before (whose masked dy takes the last loop).
void seg_grad_sums(const float* dy, const float* x, const SegAffine* relu, const float* y, int64_t n, float mu,
                   double& sdy, double& sdx) {
  sdy = sdx = 0.0;
  for (int64_t b = 0; b < n; b += kFlush) {
    const int64_t e = std::min(n, b + kFlush);
    V8 a{}, c{};
    int64_t i = b;
    if (relu) {
      const V8 scale = V8{} + relu->scale, shift = V8{} + relu->shift;
      for (; i + 8 <= e; i += 8) {
        const V8 xv = load8(x + i);
        const V8 d = relu_mask(load8(dy + i), fmadd(xv, scale, shift));
        a += d;
        c = fmadd(d, xv - mu, c);
      }
    } else if (y) {
      for (; i + 8 <= e; i += 8) {
        const V8 d = relu_mask(load8(dy + i), load8(y + i));
        a += d;
        c = fmadd(d, load8(x + i) - mu, c);
      }
    } else {
      for (; i + 8 <= e; i += 8) {
        const V8 d = load8(dy + i);
        a += d;
        c = fmadd(d, load8(x + i) - mu, c);
      }
    }
    sdy += hsum(a);
    sdx += hsum(c);
    for (; i < e; ++i) {
      const bool pass = relu ? relu->positive(x[i]) : !y || y[i] > 0.0f;
      const double d = pass ? dy[i] : 0.0;
      sdy += d;
      sdx += d * (x[i] - mu);
    }
  }
}

int64_t row_grain(const NormPlan& p) { return std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(1, p.count())); }

}  // namespace

void row_moments(const float* x, const NormPlan& p, std::vector<double>& mean, std::vector<double>& var) {
  mean.assign(p.rows, 0.0);
  var.assign(p.rows, 0.0);
  const double m = static_cast<double>(p.count());
  parallel_for(0, p.rows, row_grain(p), [&](int64_t r0, int64_t r1) {
    for (int64_t row = r0; row < r1; ++row) {
      double s = 0.0;
      for (int64_t seg = 0; seg < p.segs; ++seg) {
        const float* px = x + p.offset(row, seg);
        s += seg_sum(px, p.seg_len);
      }
      const double mu = s / m;
      // Second pass around the mean: no catastrophic cancellation (unlike E[x^2] - E[x]^2).
      const float muf = static_cast<float>(mu);
      double ss = 0.0, sd = 0.0;
      for (int64_t seg = 0; seg < p.segs; ++seg) {
        const float* px = x + p.offset(row, seg);
        double a = 0.0, b = 0.0;
        seg_dev_sums(px, p.seg_len, muf, a, b);
        ss += a;
        sd += b;
      }
      // Correct for the float rounding of the mean: sum (x - mu)^2 = ss - sd^2 / m.
      mean[row] = mu;
      var[row] = std::max(0.0, (ss - sd * sd / m) / m);
    }
  });
}

void norm_apply(float* y, const float* x, const float* mean, const float* r, const float* gamma,
                const float* beta, const NormPlan& p, bool relu) {
  parallel_for(0, p.rows, row_grain(p), [&](int64_t r0, int64_t r1) {
    for (int64_t row = r0; row < r1; ++row) {
      const float mu = mean[row], rs = r[row];
      for (int64_t seg = 0; seg < p.segs; ++seg) {
        const int64_t off = p.offset(row, seg);
        const float* px = x + off;
        float* py = y + off;
        const int64_t len = p.seg_len;
        if (p.per_element_affine()) {
          for (int64_t i = 0; i < len; ++i) {
            float v = (px[i] - mu) * rs;
            if (gamma) v *= gamma[i];
            if (beta) v += beta[i];
            py[i] = v;
          }
        } else {
          const SegAffine f = seg_affine(mu, rs, gamma, beta, p.channel(row, seg));
          if (relu) {
            for (int64_t i = 0; i < len; ++i) py[i] = std::max(f(px[i]), 0.0f);
          } else {
            for (int64_t i = 0; i < len; ++i) py[i] = f(px[i]);
          }
          continue;
        }
        if (relu)
          for (int64_t i = 0; i < len; ++i) py[i] = std::max(py[i], 0.0f);
      }
    }
  });
}

// Backward, per row, with x_hat = (x - mean) * r and g = dL/dx_hat = dy * gamma (dy
// masked by y > 0 first when ReLU is fused). y = x_hat * gamma + beta gives
//   dbeta = sum dy,  dgamma = sum dy * x_hat        (summed over every row a channel has).
// With batch statistics, mean and r depend on x. For eps inside the sqrt,
//   r = (var + eps)^(-1/2), var = (1/m) sum (x_j - mean)^2,
//   d mean / d x_i = 1/m,  d var / d x_i = 2 (x_i - mean) / m  (the mean term sums to 0),
//   d r / d x_i = -1/2 r^3 * 2 (x_i - mean) / m = -r^2 x_hat_i / m,
// so dx_i = sum_j g_j d x_hat_j / d x_i
//         = r g_i - r/m sum_j g_j - sum_j g_j (x_j - mean) r^2 x_hat_i / m
//         = r (g_i - mean(g) - k x_hat_i sum_j g_j x_hat_j),   k = 1/m,
// which for per-channel gamma is NORMALIZATION.md's r gamma/m (m dy - dbeta - x_hat dgamma).
// norm.cpp derives k for the std + eps placement. Expanding x_hat makes dx affine in
// (dy, x): dx_i = A dy_i + B x_i + C with A = r gamma, B = -k r^2 S, C = -r sum(g)/m - B mean,
// S = sum g x_hat, which is what the second pass computes.
void norm_backward(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x, const float* y,
                   const float* mean, const float* r, const double* k, const float* gamma, const float* beta,
                   const NormPlan& p, bool batch_stats, bool relu) {
  const int64_t nseg = p.rows * p.segs;
  std::vector<double> seg_dy(nseg), seg_dyx(nseg);  // (rows, segs): sum dy, sum dy * x_hat
  const bool per_elem = p.per_element_affine();
  const double m = static_cast<double>(p.count());
  parallel_for(0, p.rows, row_grain(p), [&](int64_t r0, int64_t r1) {
    for (int64_t row = r0; row < r1; ++row) {
      const float mu = mean[row], rs = r[row];
      double sum_g = 0.0, sum_gx = 0.0;
      for (int64_t seg = 0; seg < p.segs; ++seg) {
        const int64_t off = p.offset(row, seg);
        const float *px = x + off, *pd = dy + off, *py = relu && per_elem ? y + off : nullptr;
        double a = 0.0, b = 0.0;
        if (per_elem && gamma) {
          // Layer norm: gamma varies along the row, so sum g = dy * gamma directly.
          for (int64_t i = 0; i < p.seg_len; ++i) {
            const double d = (py && !(py[i] > 0.0f)) ? 0.0 : pd[i] * gamma[i];
            a += d;
            b += d * (px[i] - mu);
          }
          sum_g += a;
          sum_gx += b * rs;
        } else {
          const SegAffine f = per_elem ? SegAffine{} : seg_affine(mu, rs, gamma, beta, p.channel(row, seg));
          seg_grad_sums(pd, px, relu && !per_elem ? &f : nullptr, py, p.seg_len, mu, a, b);
          seg_dy[row * p.segs + seg] = a;
          seg_dyx[row * p.segs + seg] = b * rs;
          const double gc = (gamma && !per_elem) ? gamma[p.channel(row, seg)] : 1.0;
          sum_g += gc * a;
          sum_gx += gc * b * rs;
        }
      }
      if (!dx) continue;
      const double rd = rs;
      const double bcoef = batch_stats ? -k[row] * rd * rd * sum_gx : 0.0;
      const double ccoef = batch_stats ? -rd * sum_g / m - bcoef * mu : 0.0;
      const float B = static_cast<float>(bcoef), C = static_cast<float>(ccoef);
      for (int64_t seg = 0; seg < p.segs; ++seg) {
        const int64_t off = p.offset(row, seg);
        const float *px = x + off, *pd = dy + off, *py = relu && per_elem ? y + off : nullptr;
        float* po = dx + off;
        const int64_t len = p.seg_len;
        if (per_elem) {
          for (int64_t i = 0; i < len; ++i) {
            const float d = py && !(py[i] > 0.0f) ? 0.0f : pd[i];
            po[i] = rs * (gamma ? gamma[i] : 1.0f) * d + B * px[i] + C;
          }
        } else {
          const int64_t ch = p.channel(row, seg);
          const float A = rs * (gamma ? gamma[ch] : 1.0f);
          if (relu) {
            const SegAffine f = seg_affine(mu, rs, gamma, beta, ch);
            for (int64_t i = 0; i < len; ++i) po[i] = dx_of(A, f.positive(px[i]) ? pd[i] : 0.0f, B, px[i], C);
          } else {
            for (int64_t i = 0; i < len; ++i) po[i] = dx_of(A, pd[i], B, px[i], C);
          }
        }
      }
    }
  });
  if (!dgamma && !dbeta) return;
  const int64_t na = p.affine_size();
  if (!per_elem && deterministic()) {
    fold_affine_tree(seg_dy, seg_dyx, p, dgamma, dbeta);
    return;
  }
  if (!per_elem) {
    // Fold the per-segment sums into channels in a fixed order.
    std::vector<double> gsum(na, 0.0), bsum(na, 0.0);
    for (int64_t row = 0; row < p.rows; ++row)
      for (int64_t seg = 0; seg < p.segs; ++seg) {
        const int64_t ch = p.channel(row, seg);
        bsum[ch] += seg_dy[row * p.segs + seg];
        gsum[ch] += seg_dyx[row * p.segs + seg];
      }
    for (int64_t ch = 0; ch < na; ++ch) {
      if (dgamma) dgamma[ch] = static_cast<float>(gsum[ch]);
      if (dbeta) dbeta[ch] = static_cast<float>(bsum[ch]);
    }
    return;
  }
  // Layer norm: per element of the normalized shape, summed over rows (column chunks).
  parallel_for(0, na, 64, [&](int64_t j0, int64_t j1) {
    std::vector<double> gs(j1 - j0, 0.0), bs(j1 - j0, 0.0);
    for (int64_t row = 0; row < p.rows; ++row) {
      const int64_t off = p.offset(row, 0);
      const float mu = mean[row], rs = r[row];
      for (int64_t j = j0; j < j1; ++j) {
        const float d = relu && !(y[off + j] > 0.0f) ? 0.0f : dy[off + j];
        bs[j - j0] += d;
        gs[j - j0] += d * (x[off + j] - mu) * rs;
      }
    }
    for (int64_t j = j0; j < j1; ++j) {
      if (dgamma) dgamma[j] = static_cast<float>(gs[j - j0]);
      if (dbeta) dbeta[j] = static_cast<float>(bs[j - j0]);
    }
  });
}

void seg_sums(const float* x, const NormPlan& p, double* sum) {
  parallel_for(0, p.rows, row_grain(p), [&](int64_t r0, int64_t r1) {
    for (int64_t row = r0; row < r1; ++row)
      for (int64_t seg = 0; seg < p.segs; ++seg) sum[seg * p.rows + row] = seg_sum(x + p.offset(row, seg), p.seg_len);
  });
}

void seg_dev_parts(const float* x, const NormPlan& p, const float* mu, double* sq, double* lin) {
  parallel_for(0, p.rows, row_grain(p), [&](int64_t r0, int64_t r1) {
    for (int64_t row = r0; row < r1; ++row)
      for (int64_t seg = 0; seg < p.segs; ++seg)
        seg_dev_sums(x + p.offset(row, seg), p.seg_len, mu[row], sq[seg * p.rows + row], lin[seg * p.rows + row]);
  });
}

void norm_backward_global(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x, const float* mean,
                          const float* r, const double* k, const float* gamma, const float* beta, const NormPlan& p,
                          bool relu, const GlobalBackward& gb) {
  const int64_t rows = p.rows, segs = p.segs;
  // Pass 1: per (seg, row) sum d and sum d * x_hat, d = dy (masked by the ReLU).
  std::vector<double> seg_dy(static_cast<size_t>(segs * rows)), seg_dyx(static_cast<size_t>(segs * rows));
  parallel_for(0, rows, row_grain(p), [&](int64_t r0, int64_t r1) {
    for (int64_t row = r0; row < r1; ++row)
      for (int64_t seg = 0; seg < segs; ++seg) {
        const int64_t off = p.offset(row, seg);
        const SegAffine f = seg_affine(mean[row], r[row], gamma, beta, row);
        double a = 0.0, b = 0.0;
        seg_grad_sums(dy + off, x + off, relu ? &f : nullptr, nullptr, p.seg_len, mean[row], a, b);
        seg_dy[seg * rows + row] = a;
        seg_dyx[seg * rows + row] = b * r[row];
      }
  });
  std::vector<double> sums(static_cast<size_t>(2 * rows), 0.0);  // [sum dy (rows), sum dy x_hat (rows)]
  if (gb.tree) {
    tree_sum(seg_dy.data(), segs, rows, rows, 1, sums.data());
    tree_sum(seg_dyx.data(), segs, rows, rows, 1, sums.data() + rows);
  } else {
    for (int64_t seg = 0; seg < segs; ++seg)
      for (int64_t row = 0; row < rows; ++row) {
        sums[row] += seg_dy[seg * rows + row];
        sums[rows + row] += seg_dyx[seg * rows + row];
      }
  }
  if (gb.tree && (dgamma || dbeta)) {
    // dgamma/dbeta are summed over ranks in float by the gradient allreduce: float leaves
    // and a float tree here, so a rank's sum is a subtree of the one-process sum.
    std::vector<float> leaves(seg_dy.size()), out(rows);
    for (auto [src, dst] : {std::pair<const std::vector<double>*, float*>{&seg_dy, dbeta}, {&seg_dyx, dgamma}}) {
      if (!dst) continue;
      for (size_t i = 0; i < leaves.size(); ++i) leaves[i] = static_cast<float>((*src)[i]);
      tree_sum(leaves.data(), segs, rows, rows, 1, dst);
    }
  } else {
    for (int64_t row = 0; row < rows; ++row) {
      if (dbeta) dbeta[row] = static_cast<float>(sums[row]);
      if (dgamma) dgamma[row] = static_cast<float>(sums[rows + row]);
    }
  }
  if (gb.reduce) gb.reduce(sums.data(), 2 * rows);
  if (!dx) return;
  // Pass 2: dx = A dy + B x + C per channel (norm_backward's derivation, with the global count).
  const double m = gb.count;
  parallel_for(0, rows, row_grain(p), [&](int64_t r0, int64_t r1) {
    for (int64_t row = r0; row < r1; ++row) {
      const double rd = r[row], gc = gamma ? gamma[row] : 1.0;
      const double sum_g = gc * sums[row], sum_gx = gc * sums[rows + row];
      const double bcoef = -k[row] * rd * rd * sum_gx;
      const double ccoef = -rd * sum_g / m - bcoef * mean[row];
      const float A = static_cast<float>(rd * gc), B = static_cast<float>(bcoef), C = static_cast<float>(ccoef);
      for (int64_t seg = 0; seg < segs; ++seg) {
        const int64_t off = p.offset(row, seg);
        const float *px = x + off, *pd = dy + off;
        float* po = dx + off;
        if (relu) {
          const SegAffine f = seg_affine(mean[row], r[row], gamma, beta, row);
          for (int64_t i = 0; i < p.seg_len; ++i) po[i] = dx_of(A, f.positive(px[i]) ? pd[i] : 0.0f, B, px[i], C);
        } else {
          for (int64_t i = 0; i < p.seg_len; ++i) po[i] = dx_of(A, pd[i], B, px[i], C);
        }
      }
    }
  });
}

void fold_affine_tree(const std::vector<double>& seg_dy, const std::vector<double>& seg_dyx, const NormPlan& p,
                      float* dgamma, float* dbeta) {
  // Float leaves and a float tree: the gradient allreduce goes on summing in float.
  const int64_t na = p.affine_size();
  std::vector<float> leaves(seg_dy.size());
  for (auto [src, dst] : {std::pair<const std::vector<double>*, float*>{&seg_dy, dbeta}, {&seg_dyx, dgamma}}) {
    if (!dst) continue;
    for (size_t i = 0; i < leaves.size(); ++i) leaves[i] = static_cast<float>((*src)[i]);
    if (p.axes == NormAxes::batch) {
      tree_sum(leaves.data(), p.segs, 1, na, p.segs, dst);  // [row * segs + seg]: channel = row
    } else {
      // Group/instance rows are (sample, group) and channel = group * segs + seg: index n * C + ch.
      tree_sum(leaves.data(), p.n, p.c, na, 1, dst);
    }
  }
}

}  // namespace janus::norm_detail
