// torch-style functional wrappers over the core ops (argument order and defaults as in
// torch.nn.functional).
#include <janus/torch/functional.h>

namespace janus::torch::nn::functional {

Tensor relu(const Tensor& x) { return janus::relu(x); }
Tensor sigmoid(const Tensor& x) { return janus::sigmoid(x); }
Tensor tanh(const Tensor& x) { return janus::tanh(x); }
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dFuncOptions& options) {
  return janus::conv2d(x, weight, bias, options);
}
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) { return janus::linear(x, weight, bias); }
Tensor dropout2d(const Tensor& x, double p, bool training) {
  return janus::dropout2d(x, static_cast<float>(p), training);
}

Tensor max_pool2d(const Tensor& x, Size2 kernel_size, Size2 stride, Size2 padding, bool ceil_mode) {
  return janus::max_pool2d(x, Pool2dOptions(kernel_size).stride(stride).padding(padding).ceil_mode(ceil_mode));
}
Tensor avg_pool2d(const Tensor& x, Size2 kernel_size, Size2 stride, Size2 padding, bool ceil_mode) {
  return janus::avg_pool2d(x, Pool2dOptions(kernel_size).stride(stride).padding(padding).ceil_mode(ceil_mode));
}
Tensor adaptive_avg_pool2d(const Tensor& x, int64_t output_size) {
  return janus::adaptive_avg_pool2d(x, output_size, output_size);
}
Tensor dropout(const Tensor& x, double p, bool training) {
  return janus::dropout(x, static_cast<float>(p), training);
}
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps) {
  return janus::batch_norm(x, running_mean, running_var, weight, bias, training, momentum, eps);
}
Tensor instance_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps) {
  return janus::instance_norm(x, weight, bias, eps);
}
Tensor group_norm(const Tensor& x, int64_t num_groups, const Tensor& weight, const Tensor& bias, double eps) {
  return janus::group_norm(x, num_groups, weight, bias, eps);
}
Tensor softmax(const Tensor& x, int64_t dim) { return janus::softmax(x, dim); }
Tensor log_softmax(const Tensor& x, int64_t dim) { return janus::log_softmax(x, dim); }
Tensor cross_entropy(const Tensor& logits, const Tensor& target, double label_smoothing) {
  return janus::cross_entropy(logits, target,
                              CrossEntropyOptions().label_smoothing(static_cast<float>(label_smoothing)));
}
Tensor mse_loss(const Tensor& input, const Tensor& target) { return janus::mse_loss(input, target); }
Tensor flatten(const Tensor& x, int64_t start_dim, int64_t end_dim) { return x.flatten(start_dim, end_dim); }

}  // namespace janus::torch::nn::functional
