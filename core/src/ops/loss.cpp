// Losses: cross_entropy (fused log-softmax + negative log-likelihood with PyTorch's label
// smoothing, mean over the batch) and mse_loss (mean squared error). Both return 0-d tensors.
#include <janus/core/autograd.h>
#include <janus/core/op.h>
#include <janus/core/ops/nn.h>

#include <algorithm>
#include <cmath>

namespace janus {

namespace {

// Labels arrive as floats; each must be an integer class index in [0, C).
std::vector<int64_t> check_labels(const Tensor& labels, int64_t classes) {
  std::vector<int64_t> out(labels.numel());
  const float* pl = labels.data();
  for (int64_t i = 0; i < labels.numel(); ++i) {
    const float v = pl[i];
    JANUS_CHECK(std::isfinite(v) && v == std::floor(v),
                "cross_entropy: label {} at position {} is not an integer class index", v, i);
    JANUS_CHECK(v >= 0.0f && v < static_cast<float>(classes),
                "cross_entropy: label {} at position {} is out of range for {} classes", static_cast<int64_t>(v), i,
                classes);
    out[i] = static_cast<int64_t>(v);
  }
  return out;
}

// With smoothing eps the target distribution of row n is q_c = (1 - eps) [c == y_n] + eps / C,
// so the per-row loss is -sum_c q_c logp_c = (1 - eps) (-logp_y) + (eps / C) (-sum_c logp_c);
// the result is the mean over rows. Forward fills softmax (N, C) for backward.
double cross_entropy_rows_forward(float* softmax, const float* logits, const std::vector<int64_t>& labels,
                                  int64_t n, int64_t c, double eps) {
  double total = 0.0;
  for (int64_t r = 0; r < n; ++r) {
    const float* x = logits + r * c;
    float* p = softmax + r * c;
    const float mx = *std::max_element(x, x + c);
    double sum = 0.0;
    for (int64_t j = 0; j < c; ++j) sum += std::exp(static_cast<double>(x[j]) - mx);
    const double lse = mx + std::log(sum);
    double sum_logp = 0.0;
    for (int64_t j = 0; j < c; ++j) {
      const double logp = x[j] - lse;
      sum_logp += logp;
      p[j] = static_cast<float>(std::exp(logp));
    }
    const double nll = -(x[labels[r]] - lse);
    total += (1.0 - eps) * nll + (eps / c) * (-sum_logp);
  }
  return total / static_cast<double>(n);
}

// d loss / d x_rj = (p_rj - q_rj) / N, times the upstream scalar g.
void cross_entropy_rows_backward(float* gx, const float* softmax, const std::vector<int64_t>& labels,
                                 int64_t n, int64_t c, double eps, double g) {
  const double scale = g / static_cast<double>(n);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t j = 0; j < c; ++j) {
      const double q = (j == labels[r] ? 1.0 - eps : 0.0) + eps / c;
      gx[r * c + j] += static_cast<float>((softmax[r * c + j] - q) * scale);
    }
}

Tensor cross_entropy_forward(const std::vector<Tensor>& in, const Attrs& attrs, const RunContext&) {
  JANUS_CHECK(in.size() == 2 && in[0].defined() && in[1].defined(),
              "cross_entropy: expected two defined inputs (logits, labels)");
  const Tensor& logits = in[0];
  const Tensor& labels = in[1];
  JANUS_CHECK(logits.dim() == 2, "cross_entropy: expected 2-D logits (N, C) (got {})", shape_str(logits.shape()));
  const int64_t n = logits.size(0), c = logits.size(1);
  JANUS_CHECK(labels.dim() == 1 && labels.size(0) == n,
              "cross_entropy: expected labels of shape [{}] for logits {} (got labels {})", n,
              shape_str(logits.shape()), shape_str(labels.shape()));
  JANUS_CHECK(n > 0 && c > 0, "cross_entropy: expected a non-empty batch (got logits {})", shape_str(logits.shape()));
  const double eps = attrs.get_float("label_smoothing", 0.0);
  JANUS_CHECK(eps >= 0.0 && eps <= 1.0, "cross_entropy: label_smoothing must be in [0, 1] (got {})", eps);
  const std::vector<int64_t> idx = check_labels(labels, c);

  Tensor probs = empty(logits.shape());  // (N, C) softmax, kept for backward
  const double loss = cross_entropy_rows_forward(probs.data(), logits.data(), idx, n, c, eps);
  Tensor out = scalar(static_cast<float>(loss));
  record(out, "cross_entropy", in, [probs, idx, n, c, eps](const Tensor& g, const std::vector<bool>& needs) {
    Tensor gx;
    if (needs[0]) {
      gx = zeros({n, c});
      cross_entropy_rows_backward(gx.data(), probs.data(), idx, n, c, eps, g.data()[0]);
    }
    return std::vector<Tensor>{gx, Tensor()};  // labels are not differentiable
  });
  return out;
}
JANUS_REGISTER_OP(cross_entropy, {"cross_entropy", cross_entropy_forward});

// loss = mean_i (p_i - t_i)^2;  dp_i = 2 (p_i - t_i) / n * g,  dt_i = -dp_i.
Tensor mse_loss_forward(const std::vector<Tensor>& in, const Attrs&, const RunContext&) {
  JANUS_CHECK(in.size() == 2 && in[0].defined() && in[1].defined(),
              "mse_loss: expected two defined inputs (prediction, target)");
  const Tensor& p = in[0];
  const Tensor& t = in[1];
  JANUS_CHECK(p.shape() == t.shape(), "mse_loss: prediction {} and target {} must have the same shape",
              shape_str(p.shape()), shape_str(t.shape()));
  const int64_t n = p.numel();
  JANUS_CHECK(n > 0, "mse_loss: expected non-empty tensors (got {})", shape_str(p.shape()));
  const float* pp = p.data();
  const float* pt = t.data();
  double acc = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(pp[i]) - pt[i];
    acc += d * d;
  }
  Tensor out = scalar(static_cast<float>(acc / n));
  const Tensor pd = p.detach(), td = t.detach();
  record(out, "mse_loss", in, [pd, td, n](const Tensor& g, const std::vector<bool>& needs) {
    const float scale = static_cast<float>(2.0 * g.data()[0] / n);
    Tensor gp, gt;
    if (needs[0]) gp = empty(pd.shape());
    if (needs[1]) gt = empty(td.shape());
    const float* a = pd.data();
    const float* b = td.data();
    for (int64_t i = 0; i < n; ++i) {
      const float d = (a[i] - b[i]) * scale;
      if (needs[0]) gp.data()[i] = d;
      if (needs[1]) gt.data()[i] = -d;
    }
    return std::vector<Tensor>{gp, gt};
  });
  return out;
}
JANUS_REGISTER_OP(mse_loss, {"mse_loss", mse_loss_forward});

}  // namespace

Tensor cross_entropy(const Tensor& logits, const Tensor& labels, const CrossEntropyOptions& options) {
  return call_op("cross_entropy", {logits, labels},
                 Attrs().set("label_smoothing", static_cast<double>(options.label_smoothing_)));
}

Tensor mse_loss(const Tensor& prediction, const Tensor& target) {
  return call_op("mse_loss", {prediction, target});
}

}  // namespace janus
