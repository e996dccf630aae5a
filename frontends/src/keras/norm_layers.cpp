// Keras normalization layers over the layers library's norm modules with the keras profile
// (eps 1e-3, momentum as the weight of the old value, biased moving variance, names gamma /
// beta / moving_mean / moving_variance). A non-trainable BatchNormalization uses its moving
// statistics even inside fit(), as in Keras.
#include <janus/core/autograd.h>
#include <janus/core/ops.h>
#include <janus/keras/layers.h>
#include <janus/layers/norm.h>

#include "keras_internal.h"

namespace janus::keras::layers {

namespace {

void put(NamedTensors& out, const char* name, const Tensor& t) {
  if (t.defined()) out.emplace_back(name, t.clone());
}

void take(const NamedTensors& w, const char* name, Tensor dst, const std::string& who) {
  if (!dst.defined()) return;
  const Tensor* t = find_weight(w, name);
  JANUS_CHECK(t != nullptr, "{}: set_weights needs \"{}\"", who, name);
  JANUS_CHECK(t->shape() == dst.shape(), "{}: {} expects shape {} (got {})", who, name, shape_str(dst.shape()),
              shape_str(t->shape()));
  dst.copy_(*t);
}

// The module runs in the mode of the call (fit: training; evaluate/predict: inference).
Tensor run(nn::Module& m, const Tensor& x, const RunContext& ctx) {
  m.train(ctx.training);
  return m.forward(x);
}

}  // namespace

// ---- BatchNormalization ------------------------------------------------------------------

Shape BatchNormalization::build(const Shape& in) {
  JANUS_CHECK(in.size() == 1 || in.size() == 3, "{}: expected input (features) or (height, width, channels) "
              "(got {})", describe(), keras_shape(in));
  const int64_t rank = static_cast<int64_t>(in.size()) + 1;
  JANUS_CHECK(axis_ == -1 || axis_ == rank - 1, "{}: only the channels-last axis (-1 or {}) is supported "
              "(got axis={})", describe(), rank - 1, axis_);
  JANUS_CHECK(momentum_ >= 0.0 && momentum_ <= 1.0, "{}: momentum must be in [0, 1] (got {})", describe(), momentum_);
  const nn::BatchNormOptions o = nn::BatchNormOptions(in.back())
                                     .profile(nn::NormProfile::keras)
                                     .momentum(momentum_)
                                     .eps(epsilon_)
                                     .center(center_)
                                     .scale(scale_)
                                     .sync(synchronized_);
  if (in.size() == 3) module_ = std::make_shared<nn::BatchNorm2d>(o);
  else module_ = std::make_shared<nn::BatchNorm1d>(o);
  return finish_build(in, in);
}

Tensor BatchNormalization::call(const Tensor& x, const RunContext& ctx) { return run(*module_, x, ctx); }

NamedTensors BatchNormalization::get_weights() const {
  const auto& bn = static_cast<const nn::BatchNorm&>(built_module("get_weights"));
  NamedTensors out;
  put(out, "gamma", bn.weight);
  put(out, "beta", bn.bias);
  put(out, "moving_mean", bn.running_mean);
  put(out, "moving_variance", bn.running_var);
  return out;
}

void BatchNormalization::set_weights(const NamedTensors& w) {
  auto& bn = static_cast<nn::BatchNorm&>(built_module("set_weights"));
  NoGradGuard ng;
  take(w, "gamma", bn.weight, describe());
  take(w, "beta", bn.bias, describe());
  take(w, "moving_mean", bn.running_mean, describe());
  take(w, "moving_variance", bn.running_var, describe());
}

// ---- GroupNormalization ------------------------------------------------------------------

Shape GroupNormalization::build(const Shape& in) {
  JANUS_CHECK(in.size() == 3, "{}: expected an image input (height, width, channels) (got {})", describe(),
              keras_shape(in));
  const int64_t c = in[2];
  const int64_t g = groups_ == -1 ? c : groups_;
  JANUS_CHECK(g > 0 && c % g == 0, "{}: {} channels cannot be split into groups={} (channels must be a multiple "
              "of groups)", describe(), c, groups_);
  module_ = std::make_shared<nn::GroupNorm>(
      nn::GroupNormOptions(g, c).profile(nn::NormProfile::keras).eps(epsilon_).center(center_).scale(scale_));
  return finish_build(in, in);
}

Tensor GroupNormalization::call(const Tensor& x, const RunContext& ctx) { return run(*module_, x, ctx); }

NamedTensors GroupNormalization::get_weights() const {
  const auto& gn = static_cast<const nn::GroupNorm&>(built_module("get_weights"));
  NamedTensors out;
  put(out, "gamma", gn.weight);
  put(out, "beta", gn.bias);
  return out;
}

void GroupNormalization::set_weights(const NamedTensors& w) {
  auto& gn = static_cast<nn::GroupNorm&>(built_module("set_weights"));
  NoGradGuard ng;
  take(w, "gamma", gn.weight, describe());
  take(w, "beta", gn.bias, describe());
}

// ---- PerChannelStdNormalization ----------------------------------------------------------

Shape PerChannelStdNormalization::build(const Shape& in) {
  JANUS_CHECK(in.size() == 3, "{}: expected an image input (height, width, channels) (got {})", describe(),
              keras_shape(in));
  module_ = std::make_shared<nn::PerChannelStdNorm>(nn::PerChannelStdNormOptions().eps(epsilon_).unbiased(unbiased_));
  return finish_build(in, in);
}

// Inside, images are channels-first: the module's (H, W) statistics are the Lambda's axes [1, 2].
Tensor PerChannelStdNormalization::call(const Tensor& x, const RunContext& ctx) { return run(*module_, x, ctx); }

// ---- LayerNormalization ------------------------------------------------------------------

Shape LayerNormalization::build(const Shape& in) {
  JANUS_CHECK(in.size() == 1 || in.size() == 3, "{}: expected input (features) or (height, width, channels) "
              "(got {})", describe(), keras_shape(in));
  module_ = std::make_shared<nn::LayerNorm>(nn::LayerNormOptions({in.back()})
                                                .profile(nn::NormProfile::keras)
                                                .eps(epsilon_)
                                                .center(center_)
                                                .scale(scale_));
  return finish_build(in, in);
}

// Keras normalizes over the last (channel) axis of an NHWC image: inside, the NCHW tensor
// is permuted to NHWC around the layer norm (two explicit permute nodes).
Tensor LayerNormalization::call(const Tensor& x, const RunContext& ctx) {
  if (x.dim() == 4) return nhwc_to_nchw(run(*module_, nchw_to_nhwc(x), ctx));
  return run(*module_, x, ctx);
}

NamedTensors LayerNormalization::get_weights() const {
  const auto& ln = static_cast<const nn::LayerNorm&>(built_module("get_weights"));
  NamedTensors out;
  put(out, "gamma", ln.weight);
  put(out, "beta", ln.bias);
  return out;
}

void LayerNormalization::set_weights(const NamedTensors& w) {
  auto& ln = static_cast<nn::LayerNorm&>(built_module("set_weights"));
  NoGradGuard ng;
  take(w, "gamma", ln.weight, describe());
  take(w, "beta", ln.bias, describe());
}

}  // namespace janus::keras::layers
