// Keras layers on any shape or on flat features: Dense, Dropout, Activation, ReLU.
#include <janus/core/autograd.h>
#include <janus/core/ops.h>
#include <janus/keras/layers.h>
#include <janus/layers/linear.h>

#include "keras_internal.h"

namespace janus::keras::layers {

Shape Dense::build(const Shape& in) {
  JANUS_CHECK(in.size() == 1, "{}: expected a flat input (None, features) but got {} (hint: add a Flatten() or "
              "GlobalAveragePooling2D() layer before Dense)", describe(), keras_shape(in));
  JANUS_CHECK(units_ > 0, "{}: units must be positive (got {})", describe(), units_);
  check_activation(activation_, describe());
  check_initializer(kernel_initializer_, describe());
  check_initializer(bias_initializer_, describe());
  auto fc = std::make_shared<nn::Linear>(nn::LinearOptions(in[0], units_).bias(use_bias_).init(nn::InitProfile::keras));
  // The module's keras profile already drew glorot_uniform / zeros (the defaults), so only
  // another choice draws again (the default stream of random numbers stays as it was).
  if (kernel_initializer_ != "glorot_uniform") initialize(fc->weight, kernel_initializer_, describe());
  if (fc->bias.defined() && bias_initializer_ != "zeros") initialize(fc->bias, bias_initializer_, describe());
  module_ = fc;
  return finish_build(in, {units_});
}

Tensor Dense::call(const Tensor& x, const RunContext&) {
  return apply_activation(activation_, module_->forward(x), name());
}

NamedTensors Dense::get_weights() const {
  const auto& fc = static_cast<const nn::Linear&>(built_module("get_weights"));
  NoGradGuard ng;
  NamedTensors out{{"kernel", transpose(fc.weight, 0, 1).clone()}};  // (in, out)
  if (fc.bias.defined()) out.emplace_back("bias", fc.bias.clone());
  return out;
}

void Dense::set_weights(const NamedTensors& w) {
  auto& fc = static_cast<nn::Linear&>(built_module("set_weights"));
  NoGradGuard ng;
  const Tensor* kernel = find_weight(w, "kernel");
  const Tensor* bias = find_weight(w, "bias");
  JANUS_CHECK(kernel && kernel->dim() == 2, "{}: set_weights needs a 2-D \"kernel\" (in, out)", describe());
  JANUS_CHECK(kernel->size(0) == fc.weight.size(1) && kernel->size(1) == fc.weight.size(0),
              "{}: kernel must be ({}, {}) (got {})", describe(), fc.weight.size(1), fc.weight.size(0),
              shape_str(kernel->shape()));
  Tensor(fc.weight).copy_(transpose(*kernel, 0, 1));
  if (fc.bias.defined()) {
    JANUS_CHECK(bias && bias->shape() == fc.bias.shape(), "{}: set_weights needs \"bias\" of shape {}", describe(),
                shape_str(fc.bias.shape()));
    Tensor(fc.bias).copy_(*bias);
  }
}

Shape Dropout::build(const Shape& in) {
  JANUS_CHECK(rate_ >= 0.0 && rate_ < 1.0, "{}: rate must be in [0, 1) (got {})", describe(), rate_);
  return finish_build(in, in);
}

Tensor Dropout::call(const Tensor& x, const RunContext& ctx) {
  return janus::dropout(x, static_cast<float>(rate_), ctx.training, ctx.generator);
}

Shape Activation::build(const Shape& in) {
  check_activation(activation_, describe());
  return finish_build(in, in);
}

Tensor Activation::call(const Tensor& x, const RunContext&) { return apply_activation(activation_, x, name()); }

Shape ReLU::build(const Shape& in) { return finish_build(in, in); }

Tensor ReLU::call(const Tensor& x, const RunContext&) { return janus::relu(x); }

}  // namespace janus::keras::layers
