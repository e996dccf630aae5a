// The teaching version of "normalize": the same function written with primitive ops
// (reshape, mean, var, sub, div, sqrt, mul, add, relu), so autograd derives the backward
// by itself. Slow and allocation-heavy on purpose: read it next to docs/normalization.md.
// Tests prove the fused kernel (norm_kernels.cpp) agrees with it, forward and backward.
#include <janus/core/autograd.h>
#include <janus/core/ops/elementwise.h>
#include <janus/core/ops/norm.h>
#include <janus/core/ops/reduce.h>

namespace janus {

Tensor normalize_reference(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                           const Tensor& running_var, const Tensor& num_batches_tracked, const NormOptions& o,
                           bool training) {
  const Shape& s = x.shape();
  // 1. View x so that the statistics axes are explicit: stats over `axes` of `view`.
  Tensor view;
  std::vector<int64_t> axes;
  switch (o.axes_) {
    case NormAxes::batch:  // (N, C, HW): one statistic per channel over N and HW
      view = x.reshape({s[0], s[1], -1});
      axes = {0, 2};
      break;
    case NormAxes::instance:  // (N, C, HW): per sample and channel over HW
      view = x.reshape({s[0], s[1], -1});
      axes = {2};
      break;
    case NormAxes::group:  // (N, G, C/G * HW): per sample and group
      view = x.reshape({s[0], o.groups_, -1});
      axes = {2};
      break;
    case NormAxes::layer: {  // (rows, D): per row over the trailing normalized axes
      int64_t d = 1;
      for (int64_t i = x.dim() - o.normalized_ndim_; i < x.dim(); ++i) d *= s[i];
      view = x.reshape({-1, d});
      axes = {1};
      break;
    }
  }
  const bool has_running = running_mean.defined();
  const bool use_batch = o.stats_ == StatsSource::batch || (o.stats_ == StatsSource::auto_ && (training || !has_running));
  const bool inside = o.eps_placement_ == EpsPlacement::inside;

  Tensor mu, denom;
  if (use_batch) {
    // 2a. Batch statistics: mean, and the spread with eps inside or outside the sqrt.
    mu = mean(view, axes, /*keepdim=*/true);
    if (inside) {
      denom = sqrt(add(var(view, axes, /*unbiased=*/false, true), static_cast<float>(o.eps_)));
    } else {
      const bool unbiased = o.eps_placement_ == EpsPlacement::std_unbiased;
      denom = add(sqrt(var(view, axes, unbiased, true)), static_cast<float>(o.eps_));
    }
    // 3. Running statistics: r = (1 - a) r + a * batch value, a = momentum (PyTorch),
    //    1 - momentum (Keras), or 1 / num_batches_tracked (PyTorch momentum=None).
    if (o.stats_ == StatsSource::auto_ && training && has_running) {
      NoGradGuard no_grad;
      Tensor nbt = num_batches_tracked;
      if (nbt.defined()) nbt.copy_(add(nbt, 1.0f));
      const double a = o.cumulative_ ? 1.0 / nbt.item()
                                     : (o.momentum_convention_ == MomentumConvention::new_value ? o.momentum_
                                                                                                : 1.0 - o.momentum_);
      const int64_t c = s[1];
      // Instance norm keeps one running value per channel: the average over the samples.
      Tensor bm = mu.reshape({-1, c}), bv = var(view, axes, o.unbiased_running_var_, true).reshape({-1, c});
      bm = mean(bm, {0});
      bv = mean(bv, {0});
      Tensor rm = running_mean, rv = running_var;
      rm.copy_(add(mul(rm, static_cast<float>(1.0 - a)), mul(bm, static_cast<float>(a))));
      rv.copy_(add(mul(rv, static_cast<float>(1.0 - a)), mul(bv, static_cast<float>(a))));
    }
  } else {
    // 2b. Running statistics, shaped to broadcast against (N, C, HW).
    mu = running_mean.reshape({1, -1, 1});
    Tensor rv = running_var.reshape({1, -1, 1});
    denom = inside ? sqrt(add(rv, static_cast<float>(o.eps_))) : add(sqrt(rv), static_cast<float>(o.eps_));
  }
  // 4. x_hat = (x - mean) / denom, back in x's shape.
  Tensor y = div(sub(view, mu), denom).reshape(s);
  // 5. Affine: per channel (broadcast as (C, 1, 1)) or per element of the normalized shape.
  Shape affine_shape;
  if (o.axes_ == NormAxes::layer) {
    affine_shape = Shape(s.end() - o.normalized_ndim_, s.end());
  } else {
    affine_shape = Shape(s.size() - 1, 1);
    affine_shape[0] = s[1];
  }
  if (weight.defined()) y = mul(y, weight.reshape(affine_shape));
  if (bias.defined()) y = add(y, bias.reshape(affine_shape));
  return o.relu_ ? relu(y) : y;
}

}  // namespace janus
