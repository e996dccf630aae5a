// janus::torch::nn::functional: PyTorch's torch.nn.functional spelled in C++, eager and
// define-by-run. Each function calls the core op, so it is also what a trace records.
//
//   namespace F = janus::torch::nn::functional;
//   Tensor h = F::relu(F::conv2d(x, w, b, F::Conv2dFuncOptions().padding(1)));
//   Tensor loss = F::cross_entropy(F::linear(h.flatten(1), fc_w, fc_b), labels);
#pragma once

#include <janus/core/ops.h>
#include <janus/core/ops/norm.h>

namespace janus::torch::nn::functional {

using Conv2dFuncOptions = janus::Conv2dOptions;
using janus::Pool2dOptions;

Tensor relu(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(),
              const Conv2dFuncOptions& options = {});
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());
Tensor max_pool2d(const Tensor& x, int64_t kernel_size, int64_t stride = 0, int64_t padding = 0);
Tensor avg_pool2d(const Tensor& x, int64_t kernel_size, int64_t stride = 0, int64_t padding = 0);
Tensor adaptive_avg_pool2d(const Tensor& x, int64_t output_size);
// torch's F.dropout default: training=True.
Tensor dropout(const Tensor& x, double p = 0.5, bool training = true);
// F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps).
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight = Tensor(), const Tensor& bias = Tensor(), bool training = false,
                  double momentum = 0.1, double eps = 1e-5);
Tensor instance_norm(const Tensor& x, const Tensor& weight = Tensor(), const Tensor& bias = Tensor(),
                     double eps = 1e-5);
Tensor group_norm(const Tensor& x, int64_t num_groups, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), double eps = 1e-5);
Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);
// Mean cross-entropy of logits (N, C) against class indices (N) stored as floats.
Tensor cross_entropy(const Tensor& logits, const Tensor& target, double label_smoothing = 0.0);
Tensor mse_loss(const Tensor& input, const Tensor& target);
Tensor flatten(const Tensor& x, int64_t start_dim = 1, int64_t end_dim = -1);

}  // namespace janus::torch::nn::functional
