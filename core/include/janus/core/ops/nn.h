// Ops for the end of a network: dropout, softmax and log_softmax, and the losses.
#pragma once

#include <janus/core/tensor.h>

#include <string>

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

// torch.nn.functional.nll_loss: log-probabilities (N, C) and integer labels (N) stored as
// floats; weight (C) per class, labels equal to ignore_index skipped, reduction "mean"
// (divides by the summed weight of the labels kept), "sum" or "none" (a loss per row).
struct NLLLossOptions {
  NLLLossOptions& weight(const Tensor& v) { weight_ = v; return *this; }
  NLLLossOptions& ignore_index(int64_t v) { ignore_index_ = v; return *this; }  // default -100
  NLLLossOptions& reduction(std::string v) { reduction_ = std::move(v); return *this; }
  Tensor weight_;
  int64_t ignore_index_ = -100;
  std::string reduction_ = "mean";
};
Tensor nll_loss(const Tensor& log_probs, const Tensor& labels, const NLLLossOptions& options = {});

// torch.nn.functional.binary_cross_entropy_with_logits: targets in [0, 1] of the logits'
// shape; weight (one value, per class or per element) rescales each element, pos_weight (one
// value or per class, the last axis) the positive term; reduction "mean", "sum" or "none".
// Gradients flow into the logits.
struct BCEWithLogitsOptions {
  BCEWithLogitsOptions& weight(const Tensor& v) { weight_ = v; return *this; }
  BCEWithLogitsOptions& pos_weight(const Tensor& v) { pos_weight_ = v; return *this; }
  BCEWithLogitsOptions& reduction(std::string v) { reduction_ = std::move(v); return *this; }
  Tensor weight_, pos_weight_;
  std::string reduction_ = "mean";
};
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target,
                                        const BCEWithLogitsOptions& options = {});

// Dropout of whole channels (torch's F.dropout2d): in training each (n, c) plane of an
// (N, C, H, W) or (C, H, W) input is zeroed with probability p, the others scaled by 1/(1-p).
Tensor dropout2d(const Tensor& x, float p, bool training, Generator* gen = nullptr);

}  // namespace janus
