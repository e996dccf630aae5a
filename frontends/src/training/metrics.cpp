// Accuracy from logits and small summary statistics.
#include <janus/training/metrics.h>

#include <algorithm>
#include <cmath>

namespace janus::training {

std::vector<int64_t> argmax_rows(const Tensor& logits) {
  JANUS_CHECK(logits.dim() == 2, "argmax_rows: expected 2-D logits (N, K) (got {}-D {})", logits.dim(),
              logits.shape());
  const int64_t n = logits.size(0), k = logits.size(1);
  const float* p = logits.data();
  std::vector<int64_t> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const float* row = p + i * k;
    out[static_cast<size_t>(i)] = std::max_element(row, row + k) - row;
  }
  return out;
}

int64_t count_correct(const Tensor& logits, const Tensor& labels) {
  JANUS_CHECK(labels.numel() == logits.size(0), "count_correct: {} labels for {} rows of logits {}",
              labels.numel(), logits.size(0), logits.shape());
  const auto pred = argmax_rows(logits);
  const float* y = labels.data();
  int64_t hits = 0;
  for (size_t i = 0; i < pred.size(); ++i) hits += pred[i] == static_cast<int64_t>(std::lround(y[i]));
  return hits;
}

double accuracy(const Tensor& logits, const Tensor& labels) {
  const int64_t n = logits.size(0);
  return n > 0 ? static_cast<double>(count_correct(logits, labels)) / static_cast<double>(n) : 0.0;
}

double mean_of(const std::vector<double>& v) {
  if (v.empty()) return 0.0;
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

double stddev_of(const std::vector<double>& v) {
  if (v.size() < 2) return 0.0;
  const double m = mean_of(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}

double percentile(std::vector<double> values, double q) {
  JANUS_CHECK(!values.empty(), "percentile: expected at least one value (got none)");
  JANUS_CHECK(q >= 0 && q <= 100, "percentile: expected q in [0, 100] (got {})", q);
  std::sort(values.begin(), values.end());
  const double pos = q / 100.0 * static_cast<double>(values.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, values.size() - 1);
  const double frac = pos - static_cast<double>(lo);
  return values[lo] + (values[hi] - values[lo]) * frac;
}

int first_epoch_reaching(const std::vector<double>& per_epoch, double target) {
  for (size_t i = 0; i < per_epoch.size(); ++i)
    if (per_epoch[i] >= target) return static_cast<int>(i + 1);
  return -1;
}

}  // namespace janus::training
