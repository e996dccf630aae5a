// forward_with_taps and the helpers that find normalization layers and their buffers.
#include <janus/training/module_taps.h>

#include <janus/core/autograd.h>

#include <algorithm>

namespace janus::training {

bool is_norm_layer(const nn::Module& m) {
  const std::string& t = m.type_name();
  return t.find("Norm") != std::string::npos || t.find("Normalization") != std::string::npos;
}

bool has_running_stats(const nn::Module& m) {
  return is_norm_layer(m) && ((m.has_buffer("running_mean") && m.has_buffer("running_var")) ||
                              (m.has_buffer("moving_mean") && m.has_buffer("moving_variance")));
}

Tensor running_mean_of(const nn::Module& m) {
  if (m.has_buffer("running_mean")) return m.buffer("running_mean");
  if (m.has_buffer("moving_mean")) return m.buffer("moving_mean");
  return Tensor();
}

Tensor running_var_of(const nn::Module& m) {
  if (m.has_buffer("running_var")) return m.buffer("running_var");
  if (m.has_buffer("moving_variance")) return m.buffer("moving_variance");
  return Tensor();
}

Tensor affine_weight_of(const nn::Module& m) {
  if (m.has_parameter("weight")) return m.parameter("weight");
  if (m.has_parameter("gamma")) return m.parameter("gamma");
  return Tensor();
}

Tensor affine_bias_of(const nn::Module& m) {
  if (m.has_parameter("bias")) return m.parameter("bias");
  if (m.has_parameter("beta")) return m.parameter("beta");
  return Tensor();
}

Tensor forward_with_taps(nn::Module& model, const Tensor& x, const ModulePredicate& select, const ModuleTap& tap,
                         const std::string& prefix) {
  if (model.type_name() == "Sequential") {
    Tensor h = x;
    for (const auto& [name, child] : model.named_children()) {
      const std::string full = prefix.empty() ? name : prefix + "." + name;
      h = forward_with_taps(*child, h, select, tap, full);
    }
    return h;
  }
  if (select(model)) tap(prefix, model, x);
  return model.forward(x);
}

static void collect_norms(nn::Module& m, const std::string& prefix,
                          std::vector<std::pair<std::string, nn::Module*>>& out) {
  if (m.type_name() == "Sequential") {
    for (const auto& [name, child] : m.named_children())
      collect_norms(*child, prefix.empty() ? name : prefix + "." + name, out);
    return;
  }
  if (is_norm_layer(m)) out.emplace_back(prefix, &m);
}

std::vector<std::pair<std::string, nn::Module*>> norm_layers(nn::Module& model) {
  std::vector<std::pair<std::string, nn::Module*>> out;
  collect_norms(model, "", out);
  return out;
}

void channel_moments(const Tensor& x, std::vector<double>& mean, std::vector<double>& var) {
  JANUS_CHECK(x.dim() >= 2, "channel_moments: expected (N, C, ...) input (got {}-D {})", x.dim(), x.shape());
  const int64_t n = x.size(0), c = x.size(1), inner = x.numel() / (n * c);
  const float* p = x.data();
  mean.assign(static_cast<size_t>(c), 0.0);
  var.assign(static_cast<size_t>(c), 0.0);
  for (int64_t ch = 0; ch < c; ++ch) {
    double s = 0, s2 = 0;
    for (int64_t i = 0; i < n; ++i) {
      const float* row = p + (i * c + ch) * inner;  // (H*W) values of one (sample, channel)
      for (int64_t j = 0; j < inner; ++j) {
        s += row[j];
        s2 += static_cast<double>(row[j]) * row[j];
      }
    }
    const double m = static_cast<double>(n * inner);
    mean[static_cast<size_t>(ch)] = s / m;
    var[static_cast<size_t>(ch)] = std::max(0.0, s2 / m - (s / m) * (s / m));
  }
}

BufferSnapshot::BufferSnapshot(nn::Module& model) {
  for (const Tensor& b : model.buffers()) {
    live_.push_back(b);
    saved_.push_back(b.clone());
  }
}

BufferSnapshot::~BufferSnapshot() {
  for (size_t i = 0; i < live_.size(); ++i) live_[i].copy_(saved_[i]);
}

}  // namespace janus::training
