// The torch frontend's loss modules: thin callables over the functional losses.
// CrossEntropyLoss with torch's options is log_softmax + nll_loss, plus torch 1.13's label
// smoothing term (aten's cross_entropy_loss_label_smoothing): with s the smoothing,
//   loss = (1 - s) nll + (s / C) smooth,   smooth_n = -sum_c w_c logp[n, c] (0 where ignored),
// smooth reduced by sum, or for mean by the number (no weight) or summed weight of the kept labels.
// The plain case (no weight, mean, no ignored label) keeps the fused core op.
#include <janus/torch/nn.h>

#include <janus/core/ops.h>

namespace janus::torch::nn {

namespace {

Tensor mask_of_kept(const Tensor& labels, int64_t ignore_index) {
  Tensor m = empty(labels.shape());
  for (int64_t i = 0; i < labels.numel(); ++i)
    m.data()[i] = labels.data()[i] == static_cast<float>(ignore_index) ? 0.0f : 1.0f;
  return m;
}

bool any_ignored(const Tensor& labels, int64_t ignore_index) {
  for (int64_t i = 0; i < labels.numel(); ++i)
    if (labels.data()[i] == static_cast<float>(ignore_index)) return true;
  return false;
}

}  // namespace

Tensor CrossEntropyLoss::operator()(const Tensor& logits, const Tensor& target) const {
  const CrossEntropyLossOptions& o = options_;
  JANUS_CHECK(o.reduction_ == "mean" || o.reduction_ == "sum" || o.reduction_ == "none",
              "CrossEntropyLoss: reduction must be \"none\", \"mean\" or \"sum\" (got \"{}\")", o.reduction_);
  JANUS_CHECK(logits.defined() && target.defined(), "CrossEntropyLoss: expected defined input and target");
  JANUS_CHECK(o.label_smoothing_ >= 0.0 && o.label_smoothing_ <= 1.0,
              "CrossEntropyLoss: label_smoothing must be in [0, 1] (got {})", o.label_smoothing_);
  if (!o.weight_.defined() && o.reduction_ == "mean" && !any_ignored(target, o.ignore_index_))
    return functional::cross_entropy(logits, target, o.label_smoothing_);
  JANUS_CHECK(logits.dim() == 2, "CrossEntropyLoss: expected 2-D logits (N, C) (got {})", shape_str(logits.shape()));
  const Tensor logp = log_softmax(logits, 1);
  const Tensor nll = nll_loss(logp, target, NLLLossOptions().weight(o.weight_).ignore_index(o.ignore_index_).reduction(o.reduction_));
  const double s = o.label_smoothing_;
  if (s == 0.0) return nll;
  const int64_t c = logits.size(1);
  const Tensor kept = mask_of_kept(target, o.ignore_index_);                       // (N)
  const Tensor weighted = o.weight_.defined() ? logp * o.weight_.reshape({1, c}) : logp;
  const Tensor smooth = -sum(weighted, {1}) * kept;                                // (N)
  Tensor reduced;
  if (o.reduction_ == "none") {
    reduced = smooth;
  } else if (o.reduction_ == "sum") {
    reduced = sum(smooth);
  } else if (o.weight_.defined()) {
    double total = 0.0;
    for (int64_t i = 0; i < target.numel(); ++i)
      if (kept.data()[i] != 0.0f) total += o.weight_.data()[static_cast<int64_t>(target.data()[i])];
    reduced = sum(smooth) / static_cast<float>(total);
  } else {
    double kept_count = 0.0;  // torch divides by the labels kept, not by N
    for (int64_t i = 0; i < kept.numel(); ++i) kept_count += kept.data()[i];
    reduced = sum(smooth) / static_cast<float>(kept_count);
  }
  return nll * static_cast<float>(1.0 - s) + reduced * static_cast<float>(s / static_cast<double>(c));
}

Tensor NLLLoss::operator()(const Tensor& log_probs, const Tensor& target) const {
  return nll_loss(log_probs, target, options_);
}

Tensor BCEWithLogitsLoss::operator()(const Tensor& logits, const Tensor& target) const {
  return binary_cross_entropy_with_logits(logits, target, options_);
}

Tensor MSELoss::operator()(const Tensor& input, const Tensor& target) const {
  return functional::mse_loss(input, target);
}

}  // namespace janus::torch::nn
