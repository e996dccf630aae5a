// Activation layers: thin wrappers over the elementwise ops.
#include <janus/layers/activation.h>

#include <janus/core/ops/elementwise.h>
#include <janus/core/ops/nn.h>

#include <janus/core/ops/elementwise.h>

namespace janus::nn {

Tensor ReLU::forward(const Tensor& x) {
  JANUS_CHECK(x.defined(), "{}: forward got an undefined tensor", describe());
  return relu(x);
}

Tensor Sigmoid::forward(const Tensor& x) {
  JANUS_CHECK(x.defined(), "{}: forward got an undefined tensor", describe());
  return sigmoid(x);
}

Tensor Tanh::forward(const Tensor& x) {
  JANUS_CHECK(x.defined(), "{}: forward got an undefined tensor", describe());
  return tanh(x);
}

Tensor LeakyReLU::forward(const Tensor& x) {
  JANUS_CHECK(x.defined(), "{}: forward got an undefined tensor", describe());
  return leaky_relu(x, static_cast<float>(negative_slope_));
}

std::string LeakyReLU::extra_repr() const { return fmt::format("negative_slope={}", negative_slope_); }

Tensor Softmax::forward(const Tensor& x) {
  JANUS_CHECK(x.defined(), "{}: forward got an undefined tensor", describe());
  return softmax(x, dim_);
}

std::string Softmax::extra_repr() const { return fmt::format("dim={}", dim_); }

}  // namespace janus::nn
