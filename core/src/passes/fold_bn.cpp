// fold_batch_norm: BN(eval) after a conv/linear becomes a rescaled weight and a new bias.
// Done in double per channel: s = gamma / sqrt(var + eps), W' = W * s, b' = (b - mean) * s + beta.
#include <janus/core/fold_bn.h>

#include <cmath>

namespace janus {

FoldedConv fold_batch_norm(const Tensor& conv_weight, const Tensor& conv_bias, const Tensor& bn_weight,
                           const Tensor& bn_bias, const Tensor& running_mean, const Tensor& running_var,
                           double eps) {
  JANUS_CHECK(conv_weight.defined() && conv_weight.dim() >= 2,
              "fold_batch_norm: expected a conv/linear weight with the output channel first (got {})",
              conv_weight.defined() ? shape_str(conv_weight.shape()) : std::string("undefined"));
  const int64_t c = conv_weight.size(0);
  auto check = [&](const Tensor& t, const char* name, bool required) {
    JANUS_CHECK(t.defined() || !required, "fold_batch_norm: {} is required", name);
    if (t.defined())
      JANUS_CHECK(t.numel() == c, "fold_batch_norm: {} has shape {} but the weight {} has {} output channels", name,
                  shape_str(t.shape()), shape_str(conv_weight.shape()), c);
  };
  check(conv_bias, "conv bias", false);
  check(bn_weight, "bn weight", false);
  check(bn_bias, "bn bias", false);
  check(running_mean, "running_mean", true);
  check(running_var, "running_var", true);
  JANUS_CHECK(eps >= 0.0, "fold_batch_norm: eps must be >= 0 (got {})", eps);

  FoldedConv out{conv_weight.detach().clone(), zeros({c})};
  const int64_t per = conv_weight.numel() / c;
  float* pw = out.weight.data();
  float* pb = out.bias.data();
  for (int64_t o = 0; o < c; ++o) {
    const double var = running_var.data()[o];
    JANUS_CHECK(var + eps > 0.0, "fold_batch_norm: running_var[{}] + eps = {} is not positive", o, var + eps);
    const double gamma = bn_weight.defined() ? bn_weight.data()[o] : 1.0;
    const double beta = bn_bias.defined() ? bn_bias.data()[o] : 0.0;
    const double s = gamma / std::sqrt(var + eps);
    for (int64_t i = 0; i < per; ++i) pw[o * per + i] = static_cast<float>(pw[o * per + i] * s);
    const double b = conv_bias.defined() ? conv_bias.data()[o] : 0.0;
    pb[o] = static_cast<float>((b - running_mean.data()[o]) * s + beta);
  }
  return out;
}

}  // namespace janus
