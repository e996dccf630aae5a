// The normalization family as ONE primitive op, kind "normalize", with two orthogonal
// choices: which axes the statistics are taken over (NormAxes) and where they come from
// (StatsSource + RunContext::training). BatchNorm, InstanceNorm, the seeds' per-channel
// norm, GroupNorm and LayerNorm are presets of it; each framework's conventions (momentum
// meaning, eps placement, running-variance bias) are attributes. See docs/normalization.md.
//
//   // PyTorch BatchNorm2d(16) in training: y uses batch stats, rm/rv updated in place.
//   Tensor y = normalize(x, w, b, rm, rv, nbt, NormOptions::torch_batch_norm(), /*training=*/true);
//   // Keras BatchNormalization(): eps 1e-3, momentum 0.99 = weight of the OLD value.
//   Tensor z = normalize(x, g, beta, mm, mv, Tensor(), NormOptions::keras_batch_norm(), true);
#pragma once

#include <janus/core/op.h>
#include <janus/core/tensor.h>

#include <cstdint>
#include <string>

namespace janus {

// Statistics axes, for canonical x (N, C, *):
//   batch    one statistic per channel over (N, *)        x may be (N, C) or (N, C, ...)
//   instance one per (sample, channel) over (*)           = group with groups = C
//   group    one per (sample, group) over (C/G, *)
//   layer    one per leading index over the trailing `normalized_ndim` axes
enum class NormAxes { batch, instance, group, layer };

// auto_:   training -> this batch (and update running stats if given);
//          inference -> running stats if given, else this batch (track_running_stats=False).
// batch:   always this batch; running buffers are never touched.
// running: always the running stats, never updated (Keras trainable=False, frozen BN).
enum class StatsSource { auto_, batch, running };

// PyTorch: momentum is the weight of the NEW batch; Keras: the weight of the OLD value.
enum class MomentumConvention { new_value, old_value };

// inside:       (x - mean) / sqrt(var + eps), var biased (every library layer).
// std_biased:   (x - mean) / (std + eps), std biased   (the seed's Keras tf.math.reduce_std).
// std_unbiased: (x - mean) / (std + eps), std unbiased (the seed's PyTorch x.std()).
enum class EpsPlacement { inside, std_biased, std_unbiased };

struct NormOptions {
  explicit NormOptions(NormAxes axes = NormAxes::batch) : axes_(axes) {}
#define JANUS_OPT(type, name, init) \
  NormOptions& name(type v) { name##_ = v; return *this; } \
  type name##_ = init;
  JANUS_OPT(NormAxes, axes, NormAxes::batch)
  JANUS_OPT(int64_t, groups, 1)           // group axes only
  JANUS_OPT(int64_t, normalized_ndim, 1)  // layer axes only: number of trailing axes
  JANUS_OPT(double, eps, 1e-5)
  JANUS_OPT(EpsPlacement, eps_placement, EpsPlacement::inside)
  JANUS_OPT(double, momentum, 0.1)
  JANUS_OPT(MomentumConvention, momentum_convention, MomentumConvention::new_value)
  // PyTorch momentum=None: running = cumulative average, factor 1 / num_batches_tracked.
  JANUS_OPT(bool, cumulative, false)
  // Feed the unbiased batch variance (x m/(m-1)) into running_var (PyTorch) or biased (Keras 3).
  JANUS_OPT(bool, unbiased_running_var, true)
  JANUS_OPT(StatsSource, stats, StatsSource::auto_)
  // PyTorch's "Expected more than 1 value per channel when training" check (Keras runs).
  JANUS_OPT(bool, reject_single_value, true)
  // Fused ReLU on the output (the "batch_norm_relu" path).
  JANUS_OPT(bool, relu, false)
  // SyncBN (batch axes): in training, statistics over every rank's batch of the default
  // process group (core/process_group.h), merged in rank order; backward all-reduces
  // (sum dy, sum dy * x_hat). One process, or eval mode: exactly the plain batch norm.
  JANUS_OPT(bool, sync, false)
#undef JANUS_OPT

  Attrs to_attrs() const;
  static NormOptions from_attrs(const Attrs& attrs);

  // Framework presets (defaults of each library class).
  static NormOptions torch_batch_norm();      // eps 1e-5, momentum 0.1 new-weight, unbiased running var
  static NormOptions keras_batch_norm();      // eps 1e-3, momentum 0.99 old-weight, biased moving var
  static NormOptions torch_instance_norm();   // instance axes, eps 1e-5
  static NormOptions torch_group_norm(int64_t groups);
  static NormOptions torch_layer_norm(int64_t normalized_ndim = 1);
  static NormOptions keras_layer_norm();      // eps 1e-3, last axis
  static NormOptions seed_keras_per_channel();    // biased std + 1e-7 outside sqrt
  static NormOptions seed_torch_per_channel();    // unbiased std + 1e-7 outside sqrt
};

// The "normalize" op. Inputs (any optional one may be an undefined Tensor):
//   x (N, C, *) or (*, normalized...) for layer; weight, bias: (C) or the normalized shape
//   for layer; running_mean, running_var: (C), updated IN PLACE when batch statistics are
//   used in training; num_batches_tracked: one-element float tensor, incremented in place.
// Returns y, same shape as x. Differentiable in x, weight and bias (closed-form backward).
Tensor normalize(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                 const Tensor& running_var, const Tensor& num_batches_tracked, const NormOptions& options,
                 bool training);

// The same function composed of primitive ops (mean, var, sub, div, sqrt, mul, add): slow,
// for teaching and for tests that prove the fused kernel agrees. Running buffers are
// updated with the same rule, in place.
Tensor normalize_reference(const Tensor& x, const Tensor& weight, const Tensor& bias,
                           const Tensor& running_mean, const Tensor& running_var,
                           const Tensor& num_batches_tracked, const NormOptions& options, bool training);

// torch.nn.functional.batch_norm's argument order and defaults.
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight = Tensor(), const Tensor& bias = Tensor(), bool training = false,
                  double momentum = 0.1, double eps = 1e-5);
// Fused batch norm + ReLU (the same op with relu=true).
Tensor batch_norm_relu(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                       const Tensor& weight, const Tensor& bias, bool training, double momentum = 0.1,
                       double eps = 1e-5);
Tensor group_norm(const Tensor& x, int64_t groups, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), double eps = 1e-5);
Tensor layer_norm(const Tensor& x, int64_t normalized_ndim, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), double eps = 1e-5);
Tensor instance_norm(const Tensor& x, const Tensor& weight = Tensor(), const Tensor& bias = Tensor(),
                     double eps = 1e-5);

std::string to_string(NormAxes axes);
std::string to_string(StatsSource stats);

}  // namespace janus
