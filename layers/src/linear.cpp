// nn::Linear: checks the feature axis, folds leading axes into a batch for the GEMM.
#include <janus/layers/linear.h>

#include <janus/core/ops/linalg.h>

namespace janus::nn {

Linear::Linear(const LinearOptions& o) : Module("Linear"), options_(o) {
  JANUS_CHECK(o.in_features_ > 0 && o.out_features_ > 0,
              "Linear: expected positive in_features and out_features (got {} and {})", o.in_features_,
              o.out_features_);
  weight = register_parameter("weight", empty({o.out_features_, o.in_features_}));
  if (o.bias_) bias = register_parameter("bias", empty({o.out_features_}));
  reset_parameters(o.init_, o.generator_);
}

void Linear::reset_parameters(InitProfile profile, Generator* gen) {
  init::init_weight_and_bias(weight, bias, profile, gen);
}

Tensor Linear::forward(const Tensor& x) {
  JANUS_CHECK(x.defined(), "{}: forward got an undefined tensor", describe());
  JANUS_CHECK(x.dim() >= 1 && x.size(-1) == options_.in_features_,
              "{}: expected input with {} features in the last axis (got input {}){}", describe(),
              options_.in_features_, shape_str(x.shape()),
              x.dim() > 2 ? " -- hint: add a Flatten() before this layer" : "");
  if (x.dim() == 2) return linear(x, weight, bias);
  Shape out_shape = x.shape();
  out_shape.back() = options_.out_features_;
  return linear(x.reshape({-1, options_.in_features_}), weight, bias).reshape(out_shape);
}

std::string Linear::extra_repr() const {
  return fmt::format("in_features={}, out_features={}, bias={}", options_.in_features_, options_.out_features_,
                     options_.bias_ ? "True" : "False");
}

}  // namespace janus::nn
