// Ops for the end of a network: dropout, softmax and log_softmax, and the losses.
#pragma once

#include <janus/core/tensor.h>

namespace janus {

class Generator;

// Inverted dropout: in training zeroes each element with probability p and scales the
// rest by 1/(1-p); identity when training is false. Draws from `gen` (default if null).
Tensor dropout(const Tensor& x, float p, bool training, Generator* gen = nullptr);

Tensor softmax(const Tensor& x, int64_t axis = -1);
Tensor log_softmax(const Tensor& x, int64_t axis = -1);

struct CrossEntropyOptions {
  CrossEntropyOptions& label_smoothing(float v) { label_smoothing_ = v; return *this; }
  float label_smoothing_ = 0.0f;
};

// Mean cross-entropy of logits (N, C) against integer class labels (N) stored as floats.
// Fused log-softmax + NLL, numerically stable; PyTorch's label-smoothing rule.
Tensor cross_entropy(const Tensor& logits, const Tensor& labels, const CrossEntropyOptions& options = {});
// Mean squared error, mean over all elements; shapes must match.
Tensor mse_loss(const Tensor& prediction, const Tensor& target);

}  // namespace janus
