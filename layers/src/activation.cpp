// Activation layers: thin wrappers over the elementwise ops.
#include <janus/layers/activation.h>

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

}  // namespace janus::nn
