// Metrics for training loops: top-1 accuracy from logits, a running (weighted) mean for
// epoch losses, summary statistics (mean, sample standard deviation, percentiles) for
// multi-seed tables and the BN paper's 15/50/85th percentile curves.
//
//   int64_t hits = count_correct(logits, batch.labels);   // logits (N, K), labels (N)
//   RunningMean loss; loss.add(l.item(), n);  loss.value()
//   percentile({3, 1, 2}, 50)   // 2
#pragma once
#include <janus/core/tensor.h>
#include <cstdint>
#include <vector>

namespace janus::training {

// Number of rows whose arg-max (first maximum on ties) equals the label. logits (N, K),
// labels (N) float class indices.
int64_t count_correct(const Tensor& logits, const Tensor& labels);
// count_correct / N.
double accuracy(const Tensor& logits, const Tensor& labels);
// Arg-max of each row of (N, K) logits.
std::vector<int64_t> argmax_rows(const Tensor& logits);

class RunningMean {
 public:
  void add(double value, double weight = 1.0) { sum_ += value * weight; weight_ += weight; }
  double value() const { return weight_ > 0 ? sum_ / weight_ : 0.0; }
  double weight() const { return weight_; }
  void reset() { sum_ = 0; weight_ = 0; }

 private:
  double sum_ = 0;
  double weight_ = 0;
};

double mean_of(const std::vector<double>& v);
// Sample standard deviation (divide by n-1); 0 for fewer than two values.
double stddev_of(const std::vector<double>& v);
// Linear-interpolation percentile (numpy's default), q in [0, 100]. Throws on empty input.
double percentile(std::vector<double> values, double q);

// First 1-based epoch whose value reaches `target` (>=), or -1 if none does.
int first_epoch_reaching(const std::vector<double>& per_epoch, double target);

}  // namespace janus::training
