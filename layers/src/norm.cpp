// The normalization layers: parameters and buffers registered under each framework's
// names, the profile's defaults, shape checks naming the layer, and the call into the one
// "normalize" op. Op errors are re-thrown with the layer's description in front.
#include <janus/layers/norm.h>

namespace janus::nn {

namespace {

std::string fmt_bool(bool v) { return v ? "True" : "False"; }

// Runs the op; errors get the layer's name in front ("bn1 (BatchNorm2d): ...").
Tensor run_norm(const std::string& who, const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& rm,
                const Tensor& rv, const Tensor& nbt, NormOptions o, bool training, bool relu) {
  if (relu) o.relu(true);  // nn::Sequential fusing a following ReLU (FusesRelu)
  try {
    return normalize(x, w, b, rm, rv, nbt, o, training);
  } catch (const Error& e) {
    throw Error(fmt::format("{}: {}", who, e.what()));
  }
}

void check_input(const std::string& who, const Tensor& x, int64_t min_rank, int64_t max_rank, int64_t channels,
                 const char* layout) {
  JANUS_CHECK(x.defined(), "{}: forward got an undefined tensor", who);
  JANUS_CHECK(x.dim() >= min_rank && x.dim() <= max_rank, "{}: expected {} input (got {}-D input {})", who, layout,
              x.dim(), shape_str(x.shape()));
  JANUS_CHECK(x.size(1) == channels,
              "{}: input has {} channels but the layer was built for {} (input {}); is the input channels-last? "
              "(janus layers are NCHW)",
              who, x.size(1), channels, shape_str(x.shape()));
}

}  // namespace

// ---- BatchNorm -------------------------------------------------------------------------------

BatchNormOptions& BatchNormOptions::profile(NormProfile p) {
  profile_ = p;
  if (p == NormProfile::keras) {
    eps_ = 1e-3;
    momentum_ = 0.99;
  } else {
    eps_ = 1e-5;
    momentum_ = 0.1;
  }
  return *this;
}

BatchNorm::BatchNorm(const BatchNormOptions& o, const char* type_name, int64_t min_rank, int64_t max_rank)
    : Module(o.profile_ == NormProfile::keras ? "BatchNormalization" : type_name),
      options_(o),
      min_rank_(min_rank),
      max_rank_(max_rank) {
  JANUS_CHECK(o.num_features_ > 0, "{}: expected num_features > 0 (got {})", type_name, o.num_features_);
  JANUS_CHECK(o.momentum_.has_value() || o.profile_ == NormProfile::torch,
              "{}: momentum=None (cumulative average) is a PyTorch option, not available with the keras profile",
              type_name);
  const int64_t c = o.num_features_;
  const bool keras = o.profile_ == NormProfile::keras;
  if (o.scale_) weight = register_parameter(keras ? "gamma" : "weight", ones({c}));
  if (o.center_) bias = register_parameter(keras ? "beta" : "bias", zeros({c}));
  if (o.track_running_stats_) {
    running_mean = register_buffer(keras ? "moving_mean" : "running_mean", zeros({c}));
    running_var = register_buffer(keras ? "moving_variance" : "running_var", ones({c}));
    if (!keras) num_batches_tracked = register_buffer("num_batches_tracked", scalar(0.0f));
  }
}

NormOptions BatchNorm::norm_options() const {
  const BatchNormOptions& o = options_;
  NormOptions n = o.profile_ == NormProfile::keras ? NormOptions::keras_batch_norm() : NormOptions::torch_batch_norm();
  n.eps(o.eps_).relu(o.relu_).sync(o.sync_);
  if (o.momentum_) n.momentum(*o.momentum_);
  else n.cumulative(true);
  // Keras: a non-trainable BatchNormalization runs in inference mode, even inside fit().
  if (o.profile_ == NormProfile::keras && !is_trainable() && o.track_running_stats_) n.stats(StatsSource::running);
  return n;
}

Tensor BatchNorm::run(const Tensor& x, bool relu) {
  const char* layout = min_rank_ == 4 ? "4-D (N, C, H, W)" : "2-D (N, C) or 3-D (N, C, L)";
  check_input(describe(), x, min_rank_, max_rank_, options_.num_features_, layout);
  return run_norm(describe(), x, weight, bias, running_mean, running_var, num_batches_tracked, norm_options(),
                  is_training(), relu);
}

std::string BatchNorm::extra_repr() const {
  const BatchNormOptions& o = options_;
  if (o.profile_ == NormProfile::keras)
    return fmt::format("{}, epsilon={}, momentum={}, center={}, scale={}{}", o.num_features_, o.eps_, *o.momentum_,
                       fmt_bool(o.center_), fmt_bool(o.scale_), o.sync_ ? ", synchronized=True" : "");
  return fmt::format("{}, eps={}, momentum={}, affine={}, track_running_stats={}{}", o.num_features_, o.eps_,
                     o.momentum_ ? fmt::format("{}", *o.momentum_) : std::string("None"),
                     fmt_bool(o.center_ && o.scale_), fmt_bool(o.track_running_stats_),
                     o.sync_ && type_name() != "SyncBatchNorm" ? ", sync=True" : "");
}

std::shared_ptr<Module> convert_sync_batchnorm(std::shared_ptr<Module> module) {
  JANUS_CHECK(module != nullptr, "convert_sync_batchnorm: expected a module (got null)");
  for (auto& [name, m] : module->named_modules())
    if (auto* bn = dynamic_cast<BatchNorm*>(m)) bn->set_sync(true);
  return module;
}

int64_t count_sync_batchnorm(Module& module) {
  int64_t n = 0;
  for (auto& [name, m] : module.named_modules())
    if (auto* bn = dynamic_cast<BatchNorm*>(m)) n += bn->is_sync() ? 1 : 0;
  return n;
}

// ---- PerChannelStdNorm -----------------------------------------------------------------------

PerChannelStdNorm::PerChannelStdNorm(const PerChannelStdNormOptions& o) : Module("PerChannelStdNorm"), options_(o) {
  JANUS_CHECK(o.eps_ >= 0.0, "PerChannelStdNorm: expected eps >= 0 (got {})", o.eps_);
}

Tensor PerChannelStdNorm::run(const Tensor& x, bool relu) {
  JANUS_CHECK(x.defined() && x.dim() == 4, "{}: expected 4-D input (N, C, H, W) (got {})", describe(),
              x.defined() ? shape_str(x.shape()) : std::string("undefined"));
  NormOptions n = options_.unbiased_ ? NormOptions::seed_torch_per_channel() : NormOptions::seed_keras_per_channel();
  n.eps(options_.eps_);
  return run_norm(describe(), x, Tensor(), Tensor(), Tensor(), Tensor(), Tensor(), n, is_training(), relu);
}

std::string PerChannelStdNorm::extra_repr() const {
  return fmt::format("eps={}, std={}", options_.eps_, options_.unbiased_ ? "unbiased" : "biased");
}

// ---- InstanceNorm2d --------------------------------------------------------------------------

InstanceNorm2d::InstanceNorm2d(const InstanceNormOptions& o) : Module("InstanceNorm2d"), options_(o) {
  JANUS_CHECK(o.num_features_ > 0, "InstanceNorm2d: expected num_features > 0 (got {})", o.num_features_);
  const int64_t c = o.num_features_;
  if (o.affine_) {
    weight = register_parameter("weight", ones({c}));
    bias = register_parameter("bias", zeros({c}));
  }
  if (o.track_running_stats_) {
    running_mean = register_buffer("running_mean", zeros({c}));
    running_var = register_buffer("running_var", ones({c}));
    num_batches_tracked = register_buffer("num_batches_tracked", scalar(0.0f));
  }
}

Tensor InstanceNorm2d::run(const Tensor& x, bool relu) {
  check_input(describe(), x, 4, 4, options_.num_features_, "4-D (N, C, H, W)");
  const NormOptions n = NormOptions::torch_instance_norm().eps(options_.eps_).momentum(options_.momentum_);
  return run_norm(describe(), x, weight, bias, running_mean, running_var, num_batches_tracked, n, is_training(), relu);
}

std::string InstanceNorm2d::extra_repr() const {
  const InstanceNormOptions& o = options_;
  return fmt::format("{}, eps={}, momentum={}, affine={}, track_running_stats={}", o.num_features_, o.eps_,
                     o.momentum_, fmt_bool(o.affine_), fmt_bool(o.track_running_stats_));
}

// ---- GroupNorm -------------------------------------------------------------------------------

GroupNormOptions& GroupNormOptions::profile(NormProfile p) {
  profile_ = p;
  eps_ = p == NormProfile::keras ? 1e-3 : 1e-5;
  return *this;
}

GroupNorm::GroupNorm(const GroupNormOptions& o) : Module(o.profile_ == NormProfile::keras ? "GroupNormalization" : "GroupNorm"), options_(o) {
  JANUS_CHECK(o.num_groups_ > 0 && o.num_channels_ > 0 && o.num_channels_ % o.num_groups_ == 0,
              "GroupNorm: num_channels ({}) must be a positive multiple of num_groups ({})", o.num_channels_,
              o.num_groups_);
  const bool keras = o.profile_ == NormProfile::keras;
  if (o.scale_) weight = register_parameter(keras ? "gamma" : "weight", ones({o.num_channels_}));
  if (o.center_) bias = register_parameter(keras ? "beta" : "bias", zeros({o.num_channels_}));
}

Tensor GroupNorm::run(const Tensor& x, bool relu) {
  check_input(describe(), x, 2, 8, options_.num_channels_, "(N, C, ...)");
  const NormOptions n = NormOptions::torch_group_norm(options_.num_groups_).eps(options_.eps_);
  return run_norm(describe(), x, weight, bias, Tensor(), Tensor(), Tensor(), n, is_training(), relu);
}

std::string GroupNorm::extra_repr() const {
  return fmt::format("{}, {}, eps={}, affine={}", options_.num_groups_, options_.num_channels_, options_.eps_,
                     fmt_bool(options_.center_ && options_.scale_));
}

// ---- LayerNorm -------------------------------------------------------------------------------

LayerNormOptions& LayerNormOptions::profile(NormProfile p) {
  profile_ = p;
  eps_ = p == NormProfile::keras ? 1e-3 : 1e-5;
  return *this;
}

LayerNorm::LayerNorm(const LayerNormOptions& o) : Module(o.profile_ == NormProfile::keras ? "LayerNormalization" : "LayerNorm"), options_(o) {
  JANUS_CHECK(!o.normalized_shape_.empty(), "LayerNorm: expected a non-empty normalized_shape");
  for (int64_t d : o.normalized_shape_)
    JANUS_CHECK(d > 0, "LayerNorm: normalized_shape {} has a non-positive size", shape_str(o.normalized_shape_));
  const bool keras = o.profile_ == NormProfile::keras;
  if (o.scale_) weight = register_parameter(keras ? "gamma" : "weight", ones(o.normalized_shape_));
  if (o.center_) bias = register_parameter(keras ? "beta" : "bias", zeros(o.normalized_shape_));
}

Tensor LayerNorm::run(const Tensor& x, bool relu) {
  const auto& ns = options_.normalized_shape_;
  const int64_t k = static_cast<int64_t>(ns.size());
  JANUS_CHECK(x.defined() && x.dim() >= k && Shape(x.shape().end() - k, x.shape().end()) == ns,
              "{}: expected input with trailing shape {} (got {})", describe(), shape_str(ns),
              x.defined() ? shape_str(x.shape()) : std::string("undefined"));
  const NormOptions n = NormOptions::torch_layer_norm(k).eps(options_.eps_);
  return run_norm(describe(), x, weight, bias, Tensor(), Tensor(), Tensor(), n, is_training(), relu);
}

std::string LayerNorm::extra_repr() const {
  return fmt::format("({}), eps={}, elementwise_affine={}", fmt::join(options_.normalized_shape_, ", "), options_.eps_,
                     fmt_bool(options_.center_ && options_.scale_));
}

}  // namespace janus::nn
