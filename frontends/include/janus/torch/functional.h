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
// Each size an int or an {h, w} pair; stride 0 means the kernel size (torch's None).
Tensor max_pool2d(const Tensor& x, Size2 kernel_size, Size2 stride = 0, Size2 padding = 0, bool ceil_mode = false);
Tensor avg_pool2d(const Tensor& x, Size2 kernel_size, Size2 stride = 0, Size2 padding = 0, bool ceil_mode = false);
using janus::leaky_relu;                          // F.leaky_relu(x, negative_slope = 0.01)
using janus::nll_loss;                            // F.nll_loss(log_probs, target, NLLLossOptions)
using janus::binary_cross_entropy_with_logits;    // F.binary_cross_entropy_with_logits
// F.dropout2d (training=True by default, as torch's).
Tensor dropout2d(const Tensor& x, double p = 0.5, bool training = true);
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
