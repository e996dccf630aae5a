// Looking inside a model while it runs: forward_with_taps() runs a model the way its
// forward() would, descending into nn::Sequential containers, and calls a tap with the
// input of every module the predicate selects (here: normalization layers). Telemetry and
// population-statistics recomputation are built on it.
//
//   forward_with_taps(*net, x, is_norm_layer, [&](const std::string& name, nn::Module& m,
//                                                 const Tensor& input) { ... });
#pragma once
#include <janus/layers/module.h>
#include <functional>
#include <string>
#include <vector>

namespace janus::training {

using ModuleTap = std::function<void(const std::string& name, nn::Module& module, const Tensor& input)>;
using ModulePredicate = std::function<bool(const nn::Module& module)>;

// Every normalization layer of janus (type names BatchNorm*, PerChannelStdNorm, InstanceNorm*,
// GroupNorm, LayerNorm, Keras' *Normalization).
bool is_norm_layer(const nn::Module& module);
// A normalization layer with running statistics (running_mean/running_var or Keras'
// moving_mean/moving_variance buffers).
bool has_running_stats(const nn::Module& module);
// The running mean / variance buffers of such a layer (undefined when absent).
Tensor running_mean_of(const nn::Module& module);
Tensor running_var_of(const nn::Module& module);
// The affine scale / shift of a norm layer: weight/bias (torch) or gamma/beta (Keras).
Tensor affine_weight_of(const nn::Module& module);
Tensor affine_bias_of(const nn::Module& module);

// Runs `model` on x: an nn::Sequential is walked child by child (recursively), any other
// module is called whole. Before calling a module for which `select` is true, `tap` gets
// its dotted name and its input. Returns the model's output.
Tensor forward_with_taps(nn::Module& model, const Tensor& x, const ModulePredicate& select,
                         const ModuleTap& tap, const std::string& prefix = "");

// The named normalization layers of a model, in forward order (same walk as above).
std::vector<std::pair<std::string, nn::Module*>> norm_layers(nn::Module& model);

// Per-channel mean and biased variance of x (N, C, ...) over every axis but 1 (what BN
// pools over). Returns two vectors of C values.
void channel_moments(const Tensor& x, std::vector<double>& mean, std::vector<double>& var);

// Copies every buffer of `model` now and writes them back on destruction: a forward pass
// in training mode inside its scope leaves running statistics as they were.
class BufferSnapshot {
 public:
  explicit BufferSnapshot(nn::Module& model);
  ~BufferSnapshot();
  BufferSnapshot(const BufferSnapshot&) = delete;
  BufferSnapshot& operator=(const BufferSnapshot&) = delete;

 private:
  std::vector<Tensor> live_;
  std::vector<Tensor> saved_;
};

}  // namespace janus::training
