// Losses with torch's options: "nll_loss" (negative log-likelihood of log-probabilities with
// per-class weights, an ignored label and a reduction) and "bce_with_logits" (binary cross
// entropy on logits, numerically stable, with per-element weight and per-class pos_weight).
// reduction attr: 0 none (per-element loss), 1 mean, 2 sum.
#include <janus/core/autograd.h>
#include <janus/core/op.h>
#include <janus/core/ops/nn.h>

#include <algorithm>
#include <cmath>

namespace janus {

namespace {

int64_t reduction_code(const std::string& reduction, const char* what) {
  if (reduction == "none") return 0;
  if (reduction == "mean") return 1;
  if (reduction == "sum") return 2;
  JANUS_FAIL("{}: reduction must be \"none\", \"mean\" or \"sum\" (got \"{}\")", what, reduction);
}

// nll_loss: with w_n = weight[y_n] (1 without weights; 0 where y_n == ignore_index),
//   loss_n = -w_n logp[n, y_n];  mean: sum_n loss_n / sum_n w_n;  sum: sum_n loss_n.
// Backward: d/d logp[n, y_n] = -w_n * (g_n, or g / sum w for mean, or g for sum).
Tensor nll_loss_forward(const std::vector<Tensor>& in, const Attrs& attrs, const RunContext&) {
  JANUS_CHECK(in.size() == 3 && in[0].defined() && in[1].defined(),
              "nll_loss: expected inputs (log_probs, labels[, weight])");
  const Tensor &logp = in[0], &labels = in[1], &weight = in[2];
  JANUS_CHECK(logp.dim() == 2, "nll_loss: expected 2-D log-probabilities (N, C) (got {})", shape_str(logp.shape()));
  const int64_t n = logp.size(0), c = logp.size(1);
  JANUS_CHECK(labels.dim() == 1 && labels.size(0) == n,
              "nll_loss: expected labels of shape [{}] for input {} (got labels {})", n, shape_str(logp.shape()),
              shape_str(labels.shape()));
  if (weight.defined())
    JANUS_CHECK(weight.dim() == 1 && weight.size(0) == c, "nll_loss: expected weight of shape [{}] (got {})", c,
                shape_str(weight.shape()));
  const int64_t ignore = attrs.get_int("ignore_index"), reduction = attrs.get_int("reduction");
  std::vector<int64_t> idx(n);
  std::vector<double> w(n);
  double w_sum = 0.0;
  for (int64_t r = 0; r < n; ++r) {
    const float v = labels.data()[r];
    JANUS_CHECK(std::isfinite(v) && v == std::floor(v), "nll_loss: label {} at position {} is not an integer class index",
                v, r);
    idx[r] = static_cast<int64_t>(v);
    if (idx[r] == ignore) continue;  // w stays 0
    JANUS_CHECK(idx[r] >= 0 && idx[r] < c, "nll_loss: label {} at position {} is out of range for {} classes", idx[r], r,
                c);
    w[r] = weight.defined() ? weight.data()[idx[r]] : 1.0;
    w_sum += w[r];
  }
  Tensor out = reduction == 0 ? empty({n}) : scalar(0.0f);
  double total = 0.0;
  for (int64_t r = 0; r < n; ++r) {
    const double l = w[r] == 0.0 ? 0.0 : -w[r] * logp.data()[r * c + idx[r]];
    if (reduction == 0) out.data()[r] = static_cast<float>(l);
    total += l;
  }
  // mean over zero total weight (every label ignored) is 0/0 = nan, as in torch.
  if (reduction == 1) out.data()[0] = static_cast<float>(total / w_sum);
  if (reduction == 2) out.data()[0] = static_cast<float>(total);
  record(out, "nll_loss", in, [idx, w, w_sum, n, c, reduction](const Tensor& g, const std::vector<bool>& needs) {
    std::vector<Tensor> grads(3);
    if (!needs[0]) return grads;
    grads[0] = zeros({n, c});
    for (int64_t r = 0; r < n; ++r) {
      if (w[r] == 0.0) continue;
      const double up = reduction == 0 ? g.data()[r] : (reduction == 1 ? g.data()[0] / w_sum : g.data()[0]);
      grads[0].data()[r * c + idx[r]] += static_cast<float>(-w[r] * up);
    }
    return grads;  // labels and weight: no gradient
  });
  return out;
}
JANUS_REGISTER_OP(nll_loss, {"nll_loss", nll_loss_forward});

// bce_with_logits, elementwise with pos_weight p (broadcast over the last axis) and weight w:
//   l = w [ (1 - y) x + (1 + (p - 1) y) (log(1 + exp(-|x|)) + max(-x, 0)) ]
// (= -w [p y log s(x) + (1 - y) log(1 - s(x))], written so that no exp overflows).
// dl/dx = w [ (1 - y) - (1 + (p - 1) y) (1 - s(x)) ] = w [ (1 + (p - 1) y) s(x) - p y ].
Tensor bce_forward(const std::vector<Tensor>& in, const Attrs& attrs, const RunContext&) {
  JANUS_CHECK(in.size() == 4 && in[0].defined() && in[1].defined(),
              "bce_with_logits: expected inputs (logits, target[, weight[, pos_weight]])");
  const Tensor &x = in[0], &y = in[1], &w = in[2], &pw = in[3];
  JANUS_CHECK(x.shape() == y.shape(), "bce_with_logits: target {} must have the logits' shape {}",
              shape_str(y.shape()), shape_str(x.shape()));
  const int64_t numel = x.numel(), last = x.dim() > 0 ? x.shape().back() : 1;
  if (w.defined())
    JANUS_CHECK(w.shape() == x.shape() || w.numel() == 1 || (w.dim() == 1 && w.size(0) == last),
                "bce_with_logits: weight {} must be one value, [{}] or the logits' shape {}", shape_str(w.shape()),
                last, shape_str(x.shape()));
  if (pw.defined())
    JANUS_CHECK(pw.numel() == 1 || (pw.dim() == 1 && pw.size(0) == last),
                "bce_with_logits: pos_weight {} must be one value or [{}] (one per class)", shape_str(pw.shape()), last);
  auto weight_at = [&](const Tensor& t, int64_t i, float fallback) {
    if (!t.defined()) return fallback;
    if (t.numel() == 1) return t.data()[0];
    return t.numel() == numel ? t.data()[i] : t.data()[i % last];
  };
  const int64_t reduction = attrs.get_int("reduction");
  Tensor per = empty(x.shape());
  double total = 0.0;
  for (int64_t i = 0; i < numel; ++i) {
    const double xi = x.data()[i], yi = y.data()[i];
    const double p = weight_at(pw, i, 1.0f), wi = weight_at(w, i, 1.0f);
    const double l = wi * ((1.0 - yi) * xi + (1.0 + (p - 1.0) * yi) * (std::log1p(std::exp(-std::fabs(xi))) +
                                                                       std::max(-xi, 0.0)));
    per.data()[i] = static_cast<float>(l);
    total += l;
  }
  Tensor out = reduction == 0 ? per : scalar(static_cast<float>(reduction == 1 ? total / numel : total));
  const Tensor xd = x.detach(), yd = y.detach(), wd = w.defined() ? w.detach() : Tensor(),
               pd = pw.defined() ? pw.detach() : Tensor();
  record(out, "bce_with_logits", in,
         [xd, yd, wd, pd, numel, last, reduction](const Tensor& g, const std::vector<bool>& needs) {
           std::vector<Tensor> grads(4);
           if (!needs[0]) return grads;
           grads[0] = empty(xd.shape());
           auto at = [&](const Tensor& t, int64_t i) {
             if (!t.defined()) return 1.0f;
             if (t.numel() == 1) return t.data()[0];
             return t.numel() == numel ? t.data()[i] : t.data()[i % last];
           };
           for (int64_t i = 0; i < numel; ++i) {
             const double xi = xd.data()[i], yi = yd.data()[i], p = at(pd, i), wi = at(wd, i);
             const double s = 1.0 / (1.0 + std::exp(-xi));
             const double up = reduction == 0 ? g.data()[i] : (reduction == 1 ? g.data()[0] / numel : g.data()[0]);
             grads[0].data()[i] = static_cast<float>(wi * ((1.0 + (p - 1.0) * yi) * s - p * yi) * up);
           }
           return grads;  // target, weight, pos_weight: no gradient
         });
  return out;
}
JANUS_REGISTER_OP(bce_with_logits, {"bce_with_logits", bce_forward});

}  // namespace

Tensor nll_loss(const Tensor& log_probs, const Tensor& labels, const NLLLossOptions& options) {
  return call_op("nll_loss", {log_probs, labels, options.weight_},
                 Attrs()
                     .set("ignore_index", options.ignore_index_)
                     .set("reduction", reduction_code(options.reduction_, "nll_loss")));
}

Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target, const BCEWithLogitsOptions& options) {
  return call_op("bce_with_logits", {logits, target, options.weight_, options.pos_weight_},
                 Attrs().set("reduction", reduction_code(options.reduction_, "binary_cross_entropy_with_logits")));
}

}  // namespace janus
