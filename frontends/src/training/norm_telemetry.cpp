// NormTelemetry: one extra no-grad forward every k steps, tapping each norm layer's input.
#include <janus/training/norm_telemetry.h>

#include <janus/core/autograd.h>

#include <algorithm>
#include <janus/training/metrics.h>
#include <janus/training/module_taps.h>

#include <cctype>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

namespace janus::training {

const std::vector<std::string>& telemetry_columns() {
  static const std::vector<std::string> cols = {
      "tag",       "step",       "layer",        "name",     "type",        "channels",  "height",
      "width",     "batch_mean", "running_mean", "mean_gap", "batch_var",   "running_var", "var_ratio",
      "gamma_mean", "gamma_std", "beta_mean",    "beta_std"};
  return cols;
}

std::string norm_short_name(const std::string& type) {
  std::string out;
  size_t end = type.size();
  while (end > 0 && (type[end - 1] == 'd' || std::isdigit(static_cast<unsigned char>(type[end - 1])))) {
    if (type[end - 1] == 'd' && (end < 2 || !std::isdigit(static_cast<unsigned char>(type[end - 2])))) break;
    --end;  // "2d", "1d": the dimension suffix
  }
  for (size_t i = 0; i < end; ++i)
    if (std::isupper(static_cast<unsigned char>(type[i])))
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(type[i])));
  return out.empty() ? type : out;
}

std::string norm_layer_label(const std::string& name, int64_t channels, int64_t height, int64_t width) {
  if (height <= 0 || width <= 0) return fmt::format("{}, {} ch", name, channels);
  return fmt::format("{}, {} ch @ {}x{}", name, channels, height, width);
}

NormTelemetry::NormTelemetry(nn::Module& model, const std::string& csv_path, int64_t every, std::string tag)
    : model_(model), every_(every), tag_(std::move(tag)) {
  JANUS_CHECK(every >= 1, "NormTelemetry: expected every >= 1 step (got {})", every);
  csv_ = std::make_unique<CsvHistory>(csv_path, telemetry_columns());
}

static void summarize(const Tensor& t, double& m, double& s) {
  m = s = std::numeric_limits<double>::quiet_NaN();
  if (!t.defined()) return;
  std::vector<double> v(t.data(), t.data() + t.numel());
  m = mean_of(v);
  s = stddev_of(v);
}

std::vector<NormLayerRecord> NormTelemetry::record(int64_t step, const Tensor& x) {
  std::vector<NormLayerRecord> out;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::map<std::string, int> seen;  // per short name, how many layers so far: bn1, bn2, ...
  {
    NoGradGuard no_grad;
    BufferSnapshot keep(model_);  // the extra forward must not move running statistics
    forward_with_taps(model_, x, is_norm_layer, [&](const std::string& name, nn::Module& m, const Tensor& in) {
      NormLayerRecord r;
      r.step = step;
      r.layer = name;
      r.type = m.type_name();
      const std::string short_name = norm_short_name(r.type);
      r.name = short_name + std::to_string(++seen[short_name]);
      if (in.dim() == 4) {
        r.height = in.size(2);
        r.width = in.size(3);
      }
      std::vector<double> bm, bv;
      channel_moments(in, bm, bv);
      r.channels = static_cast<int64_t>(bm.size());
      r.batch_mean = mean_of(bm);
      r.batch_var = mean_of(bv);
      r.running_mean = r.running_var = r.mean_gap = r.var_ratio = nan;
      const Tensor rm = running_mean_of(m), rv = running_var_of(m);
      r.has_running = rm.defined() && rv.defined() && rm.numel() == r.channels;
      r.has_gamma = affine_weight_of(m).defined();
      r.has_beta = affine_bias_of(m).defined();
      if (r.has_running) {
        std::vector<double> rmv(rm.data(), rm.data() + rm.numel()), rvv(rv.data(), rv.data() + rv.numel());
        r.running_mean = mean_of(rmv);
        r.running_var = mean_of(rvv);
        double gap = 0, ratio = 0;
        for (size_t c = 0; c < bm.size(); ++c) {
          const double sd = std::sqrt(std::max(rvv[c], 1e-12));
          gap += std::fabs(bm[c] - rmv[c]) / sd;
          ratio += bv[c] / std::max(rvv[c], 1e-12);
        }
        r.mean_gap = gap / static_cast<double>(bm.size());
        r.var_ratio = ratio / static_cast<double>(bm.size());
      }
      summarize(affine_weight_of(m), r.gamma_mean, r.gamma_std);
      summarize(affine_bias_of(m), r.beta_mean, r.beta_std);
      out.push_back(r);
    });
  }
  // A field the layer does not have (running statistics, affine parameters) is an empty cell;
  // a NaN the layer computed (a diverged run) stays "nan".
  const auto present = [](bool has, double v) { return has ? std::optional<double>(v) : std::nullopt; };
  for (const auto& r : out) {
    const bool running = r.has_running, gamma = r.has_gamma, beta = r.has_beta;
    const bool spatial = r.height > 0;
    csv_->append({tag_, r.step, r.layer, r.name, r.type, r.channels, present(spatial, r.height),
                  present(spatial, r.width), r.batch_mean, present(running, r.running_mean),
                  present(running, r.mean_gap), r.batch_var, present(running, r.running_var),
                  present(running, r.var_ratio), present(gamma, r.gamma_mean), present(gamma, r.gamma_std),
                  present(beta, r.beta_mean), present(beta, r.beta_std)});
  }
  return out;
}

}  // namespace janus::training
