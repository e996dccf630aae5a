// Gradient clipping with torch.nn.utils' rules: per-gradient norms combined into one total
// norm (accumulated in double), one clip coefficient for all, applied in place.
#include <janus/torch/nn_utils.h>

#include <janus/core/error.h>

#include <algorithm>
#include <cmath>

namespace janus::torch::nn::utils {

Tensor clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
  JANUS_CHECK(norm_type > 0.0, "clip_grad_norm_: expected norm_type > 0 or infinity (got {})", norm_type);
  std::vector<Tensor> grads;
  for (const Tensor& p : parameters)
    if (p.defined() && p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return scalar(0.0f);
  const bool inf = std::isinf(norm_type);
  double total = 0.0;
  for (const Tensor& g : grads) {
    // torch: the norm of each gradient, then the norm of those norms.
    double part = 0.0;
    for (int64_t i = 0; i < g.numel(); ++i) {
      const double v = std::fabs(static_cast<double>(g.data()[i]));
      if (inf) part = std::isnan(v) || std::isnan(part) ? NAN : std::max(part, v);
      else part += std::pow(v, norm_type);
    }
    if (inf) total = std::isnan(part) || std::isnan(total) ? NAN : std::max(total, part);
    else total += part;
  }
  if (!inf) total = std::pow(total, 1.0 / norm_type);
  const float total_f = static_cast<float>(total);
  JANUS_CHECK(!error_if_nonfinite || std::isfinite(total_f),
              "clip_grad_norm_: the total norm of order {} of the gradients is non-finite ({}), so it cannot be "
              "clipped; pass error_if_nonfinite=false to scale anyway", norm_type, total_f);
  // The coefficient is computed and applied in float, as torch's tensors are.
  const float coef = std::min(1.0f, static_cast<float>(max_norm) / (total_f + 1e-6f));
  for (Tensor g : grads) {
    float* pg = g.data();
    for (int64_t i = 0; i < g.numel(); ++i) pg[i] = pg[i] * coef;
  }
  return scalar(total_f);
}

void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value) {
  JANUS_CHECK(clip_value >= 0.0, "clip_grad_value_: expected clip_value >= 0 (got {})", clip_value);
  const float c = static_cast<float>(clip_value);
  for (const Tensor& p : parameters) {
    if (!p.defined() || !p.grad().defined()) continue;
    Tensor g = p.grad();
    float* pg = g.data();
    for (int64_t i = 0; i < g.numel(); ++i) pg[i] = std::clamp(pg[i], -c, c);
  }
}

}  // namespace janus::torch::nn::utils
