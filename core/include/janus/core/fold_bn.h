// Folding an inference-mode batch norm into the convolution (or linear layer) before it.
// In eval() BN is a fixed per-channel affine map y = x * s + t with
// s = gamma / sqrt(running_var + eps) and t = beta - running_mean * s, so
// BN(conv(x, W, b)) = conv(x, W * s, b * s + t): one op fewer and no BN pass at inference.
//
//   FoldedConv f = fold_batch_norm(conv_w, conv_b, bn_w, bn_b, running_mean, running_var, 1e-5);
//   Tensor y = conv2d(x, f.weight, f.bias, options);   // == batch_norm(conv2d(x, conv_w, conv_b), ...)
#pragma once

#include <janus/core/tensor.h>

namespace janus {

struct FoldedConv {
  Tensor weight;  // (C_out, ...) same shape as the conv weight
  Tensor bias;    // (C_out), always defined
};

// conv_weight: (C_out, ...) with the output channel first (conv2d OIHW or linear (out, in));
// conv_bias (C_out) or undefined (treated as 0); bn_weight / bn_bias (C_out) or undefined
// (affine=False: 1 and 0); running_mean / running_var (C_out). New tensors are returned,
// the inputs are not modified and no autograd history is recorded.
FoldedConv fold_batch_norm(const Tensor& conv_weight, const Tensor& conv_bias, const Tensor& bn_weight,
                           const Tensor& bn_bias, const Tensor& running_mean, const Tensor& running_var,
                           double eps);

}  // namespace janus
