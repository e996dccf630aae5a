// Normalization telemetry: every k steps, for every normalization layer, the statistics of
// the batch the layer sees (per-channel mean and variance of its input) against its running
// statistics, and its affine parameters, appended to a CSV. The gap between batch and
// running statistics is the train/inference gap BN users trip over.
//
//   NormTelemetry tele(*net, "out/telemetry_bn.csv", /*every=*/50);
//   ... after opt.step():  if (tele.due(step)) tele.record(step, batch.images);
// record() re-runs the forward pass on the batch without gradients and restores every
// buffer afterwards, so training is not disturbed (it costs one forward every k steps).
#pragma once
#include <janus/layers/module.h>
#include <janus/training/csv_history.h>
#include <cstdint>
#include <memory>
#include <string>

namespace janus::training {

// One layer's summary at one step. Running fields are NaN for layers without running stats
// (and empty cells in the CSV), gamma/beta fields NaN (empty) for layers without affine.
struct NormLayerRecord {
  int64_t step = 0;
  std::string layer;             // dotted name, e.g. "1"
  std::string name;              // what it is: short type name + its place among the norm layers, e.g. "bn2"
  std::string type;              // e.g. "BatchNorm2d"
  int64_t channels = 0;
  int64_t height = 0, width = 0; // the spatial size of its input (0 for (N, C) input)
  double batch_mean = 0;         // channel-average of the batch mean
  double running_mean = 0;       // channel-average of the running mean
  double mean_gap = 0;           // channel-average of |batch mean - running mean| / sqrt(running var)
  double batch_var = 0;          // channel-average of the (biased) batch variance
  double running_var = 0;        // channel-average of the running variance
  double var_ratio = 0;          // channel-average of batch var / running var
  double gamma_mean = 0, gamma_std = 0, beta_mean = 0, beta_std = 0;
  bool has_running = false, has_gamma = false, has_beta = false;  // which fields the layer has
};

class NormTelemetry {
 public:
  // `tag` fills the CSV's first column (e.g. the norm name or "seed0"). every >= 1.
  NormTelemetry(nn::Module& model, const std::string& csv_path, int64_t every, std::string tag = "");
  bool due(int64_t step) const { return step % every_ == 0; }
  // Measures every norm layer on input x (the model's input batch) and appends one row per
  // layer. Returns the records.
  std::vector<NormLayerRecord> record(int64_t step, const Tensor& x);
  const CsvHistory& history() const { return *csv_; }

 private:
  nn::Module& model_;
  int64_t every_;
  std::string tag_;
  std::unique_ptr<CsvHistory> csv_;
};

// Columns of the telemetry CSV.
const std::vector<std::string>& telemetry_columns();

// The short name of a layer type: the initials of its words, without a dimension suffix
// ("BatchNorm2d" -> "bn", "InstanceNorm2d" -> "in", "GroupNorm" -> "gn").
std::string norm_short_name(const std::string& type);
// How a plot names a norm layer: "bn2, 32 ch @ 32x32" (name, channels, input height x width;
// without the "@" part for (N, C) input).
std::string norm_layer_label(const std::string& name, int64_t channels, int64_t height, int64_t width);

}  // namespace janus::training
