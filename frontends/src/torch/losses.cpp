// The torch frontend's loss modules: thin callables over the functional losses.
#include <janus/torch/nn.h>

namespace janus::torch::nn {

Tensor CrossEntropyLoss::operator()(const Tensor& logits, const Tensor& target) const {
  return functional::cross_entropy(logits, target, label_smoothing_);
}

Tensor MSELoss::operator()(const Tensor& input, const Tensor& target) const {
  return functional::mse_loss(input, target);
}

}  // namespace janus::torch::nn
