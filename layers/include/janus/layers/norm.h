// The normalization layers: presets of core's one "normalize" op (core/ops/norm.h).
// BatchNorm1d/2d, PerChannelStdNorm (the seeds' layer), InstanceNorm2d, GroupNorm, LayerNorm.
// docs/normalization.md sets the "per-channel" ones side by side (formulas, defaults, names).
// Each has a profile: torch (PyTorch's defaults and names) or keras (eps 1e-3, momentum 0.99
// as the weight of the OLD value, biased moving variance, center/scale, Keras names gamma,
// beta, moving_mean, moving_variance; a non-trainable Keras BN uses its moving statistics).
//
//   auto bn = std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions(16));          // PyTorch
//   auto kb = std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions(16).profile(nn::NormProfile::keras));
//   auto pc = std::make_shared<nn::PerChannelStdNorm>(nn::PerChannelStdNormOptions().unbiased(true));
#pragma once

#include <janus/core/ops/norm.h>
#include <janus/layers/module.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace janus::nn {

enum class NormProfile { torch, keras };

// A normalization layer that can clamp its output at zero in the same pass (the normalize
// op's relu option). nn::Sequential runs such a layer followed by nn::ReLU as this one op,
// as the compiled graph's fuse_norm_relu pass does: same values, running statistics and
// gradients as the pair, one pass and one buffer fewer.
class FusesRelu {
 public:
  virtual ~FusesRelu() = default;
  // relu(forward(x)) as one op.
  virtual Tensor forward_relu(const Tensor& x) = 0;
};

struct BatchNormOptions {
  explicit BatchNormOptions(int64_t num_features) : num_features_(num_features) {}
  // Sets every default of that framework (eps, momentum and its meaning, variance, names).
  BatchNormOptions& profile(NormProfile p);
  BatchNormOptions& eps(double v) { eps_ = v; return *this; }
  // PyTorch: weight of the new batch (0.1); Keras profile: weight of the old value (0.99).
  // std::nullopt (PyTorch momentum=None): cumulative average over num_batches_tracked.
  BatchNormOptions& momentum(std::optional<double> v) { momentum_ = v; return *this; }
  BatchNormOptions& affine(bool v) { center_ = scale_ = v; return *this; }
  BatchNormOptions& center(bool v) { center_ = v; return *this; }  // bias (beta)
  BatchNormOptions& scale(bool v) { scale_ = v; return *this; }    // weight (gamma)
  BatchNormOptions& track_running_stats(bool v) { track_running_stats_ = v; return *this; }
  BatchNormOptions& relu(bool v) { relu_ = v; return *this; }      // fused BN + ReLU
  // SyncBN: training statistics over every rank's batch (Keras: synchronized=True).
  BatchNormOptions& sync(bool v) { sync_ = v; return *this; }
  int64_t num_features_;
  NormProfile profile_ = NormProfile::torch;
  double eps_ = 1e-5;
  std::optional<double> momentum_ = 0.1;
  bool center_ = true, scale_ = true;
  bool track_running_stats_ = true;
  bool relu_ = false;
  bool sync_ = false;
};

// Batch normalization over (N, *) per channel of (N, C, *) input.
class BatchNorm : public Module, public FusesRelu {
 public:
  // `min_rank`/`max_rank`: the input ranks this variant accepts (1d: 2..3, 2d: 4).
  BatchNorm(const BatchNormOptions& options, const char* type_name, int64_t min_rank, int64_t max_rank);
  Tensor forward(const Tensor& x) override { return run(x, false); }
  Tensor forward_relu(const Tensor& x) override { return run(x, true); }
  std::string extra_repr() const override;
  // The op attributes this layer runs with now (depends on trainable for the keras profile).
  NormOptions norm_options() const;
  const BatchNormOptions& options() const { return options_; }
  // Turns synchronized statistics on or off in place (convert_sync_batchnorm).
  void set_sync(bool on) { options_.sync_ = on; }
  bool is_sync() const { return options_.sync_; }

  Tensor weight, bias;               // (C) or undefined  (Keras: gamma, beta)
  Tensor running_mean, running_var;  // (C) or undefined  (Keras: moving_mean, moving_variance)
  Tensor num_batches_tracked;        // () torch profile with tracking only

 private:
  Tensor run(const Tensor& x, bool relu);  // forward, clamped at 0 when relu
  BatchNormOptions options_;
  int64_t min_rank_, max_rank_;
};

class BatchNorm1d : public BatchNorm {
 public:
  explicit BatchNorm1d(const BatchNormOptions& options) : BatchNorm(options, "BatchNorm1d", 2, 3) {}
};
class BatchNorm2d : public BatchNorm {
 public:
  explicit BatchNorm2d(const BatchNormOptions& options) : BatchNorm(options, "BatchNorm2d", 4, 4) {}
};

// torch.nn.SyncBatchNorm: batch norm whose training statistics are taken over the global
// batch of every rank of the process group (core/process_group.h), merged in rank order;
// backward all-reduces (sum dy, sum dy * x_hat). Input (N, C, +). In eval mode, or as one
// process, it is exactly BatchNorm. Local batches may be uneven or empty.
class SyncBatchNorm : public BatchNorm {
 public:
  explicit SyncBatchNorm(BatchNormOptions options) : BatchNorm(options.sync(true), "SyncBatchNorm", 2, 8) {}
};

// torch.nn.SyncBatchNorm.convert_sync_batchnorm: every BatchNorm in `module` (itself or a
// descendant) synchronizes from now on. janus flips the layers in place, so parameters,
// buffers and typed handles stay valid (their repr shows sync=True). Returns the module.
std::shared_ptr<Module> convert_sync_batchnorm(std::shared_ptr<Module> module);
// How many BatchNorm layers of `module` synchronize.
int64_t count_sync_batchnorm(Module& module);

// The seeds' per-channel normalization, named for what it divides by: (x - mean) / (std + eps)
// per sample and channel over (H, W), eps ADDED TO THE STD (outside the square root); no
// parameters, no running statistics, the same in training and inference. Not InstanceNorm2d
// (eps inside the root, optional affine): see docs/normalization.md.
struct PerChannelStdNormOptions {
  PerChannelStdNormOptions& unbiased(bool v) { unbiased_ = v; return *this; }  // true: the PyTorch seed's x.std()
  PerChannelStdNormOptions& eps(double v) { eps_ = v; return *this; }
  bool unbiased_ = false;  // false: the Keras seed's tf.math.reduce_std
  double eps_ = 1e-7;
};

class PerChannelStdNorm : public Module, public FusesRelu {
 public:
  explicit PerChannelStdNorm(const PerChannelStdNormOptions& options = {});
  Tensor forward(const Tensor& x) override { return run(x, false); }
  Tensor forward_relu(const Tensor& x) override { return run(x, true); }
  std::string extra_repr() const override;

 private:
  Tensor run(const Tensor& x, bool relu);  // forward, clamped at 0 when relu
  PerChannelStdNormOptions options_;
};

// The old names, deprecated (a rename, same function: old code compiles with a warning).
using PerChannelNormOptions [[deprecated("renamed nn::PerChannelStdNormOptions (docs/normalization.md)")]] =
    PerChannelStdNormOptions;
using PerChannelNorm [[deprecated("renamed nn::PerChannelStdNorm, (x - mean) / (std + eps) (docs/normalization.md)")]] =
    PerChannelStdNorm;

struct InstanceNormOptions {
  explicit InstanceNormOptions(int64_t num_features) : num_features_(num_features) {}
  InstanceNormOptions& eps(double v) { eps_ = v; return *this; }
  InstanceNormOptions& momentum(double v) { momentum_ = v; return *this; }
  InstanceNormOptions& affine(bool v) { affine_ = v; return *this; }
  InstanceNormOptions& track_running_stats(bool v) { track_running_stats_ = v; return *this; }
  int64_t num_features_;
  double eps_ = 1e-5;
  double momentum_ = 0.1;
  bool affine_ = false;               // PyTorch's defaults differ from BatchNorm's
  bool track_running_stats_ = false;
};

// PyTorch InstanceNorm2d: per sample and channel over (H, W), biased variance, eps inside.
class InstanceNorm2d : public Module, public FusesRelu {
 public:
  explicit InstanceNorm2d(const InstanceNormOptions& options);
  Tensor forward(const Tensor& x) override { return run(x, false); }
  Tensor forward_relu(const Tensor& x) override { return run(x, true); }
  std::string extra_repr() const override;

  Tensor weight, bias, running_mean, running_var, num_batches_tracked;

 private:
  Tensor run(const Tensor& x, bool relu);  // forward, clamped at 0 when relu
  InstanceNormOptions options_;
};

struct GroupNormOptions {
  GroupNormOptions(int64_t num_groups, int64_t num_channels) : num_groups_(num_groups), num_channels_(num_channels) {}
  GroupNormOptions& profile(NormProfile p);  // keras: eps 1e-3, names gamma/beta
  GroupNormOptions& eps(double v) { eps_ = v; return *this; }
  GroupNormOptions& affine(bool v) { center_ = scale_ = v; return *this; }
  GroupNormOptions& center(bool v) { center_ = v; return *this; }
  GroupNormOptions& scale(bool v) { scale_ = v; return *this; }
  int64_t num_groups_, num_channels_;
  NormProfile profile_ = NormProfile::torch;
  double eps_ = 1e-5;
  bool center_ = true, scale_ = true;
};

// Per sample over (C/G, H, W); G = C is instance norm, G = 1 layer norm over (C, H, W).
class GroupNorm : public Module, public FusesRelu {
 public:
  explicit GroupNorm(const GroupNormOptions& options);
  Tensor forward(const Tensor& x) override { return run(x, false); }
  Tensor forward_relu(const Tensor& x) override { return run(x, true); }
  std::string extra_repr() const override;

  Tensor weight, bias;  // (C)

 private:
  Tensor run(const Tensor& x, bool relu);  // forward, clamped at 0 when relu
  GroupNormOptions options_;
};

struct LayerNormOptions {
  explicit LayerNormOptions(std::vector<int64_t> normalized_shape) : normalized_shape_(std::move(normalized_shape)) {}
  LayerNormOptions& profile(NormProfile p);  // keras: eps 1e-3, names gamma/beta
  LayerNormOptions& eps(double v) { eps_ = v; return *this; }
  LayerNormOptions& elementwise_affine(bool v) { center_ = scale_ = v; return *this; }
  LayerNormOptions& center(bool v) { center_ = v; return *this; }
  LayerNormOptions& scale(bool v) { scale_ = v; return *this; }
  std::vector<int64_t> normalized_shape_;
  NormProfile profile_ = NormProfile::torch;
  double eps_ = 1e-5;
  bool center_ = true, scale_ = true;
};

// Per leading index over the trailing normalized_shape axes; affine per element.
class LayerNorm : public Module, public FusesRelu {
 public:
  explicit LayerNorm(const LayerNormOptions& options);
  Tensor forward(const Tensor& x) override { return run(x, false); }
  Tensor forward_relu(const Tensor& x) override { return run(x, true); }
  std::string extra_repr() const override;

  Tensor weight, bias;  // normalized_shape

 private:
  Tensor run(const Tensor& x, bool relu);  // forward, clamped at 0 when relu
  LayerNormOptions options_;
};

}  // namespace janus::nn
