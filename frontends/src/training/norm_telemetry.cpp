// NormTelemetry: one extra no-grad forward every k steps, tapping each norm layer's input.
#include <janus/training/norm_telemetry.h>

#include <janus/core/autograd.h>

#include <algorithm>
#include <janus/training/metrics.h>
#include <janus/training/module_taps.h>

#include <cmath>
#include <limits>

namespace janus::training {

const std::vector<std::string>& telemetry_columns() {
  static const std::vector<std::string> cols = {
      "tag",       "step",        "layer",    "type",       "channels",  "batch_mean", "running_mean",
      "mean_gap",  "batch_var",   "running_var", "var_ratio", "gamma_mean", "gamma_std", "beta_mean",
      "beta_std"};
  return cols;
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
  {
    NoGradGuard no_grad;
    BufferSnapshot keep(model_);  // the extra forward must not move running statistics
    forward_with_taps(model_, x, is_norm_layer, [&](const std::string& name, nn::Module& m, const Tensor& in) {
      NormLayerRecord r;
      r.step = step;
      r.layer = name;
      r.type = m.type_name();
      std::vector<double> bm, bv;
      channel_moments(in, bm, bv);
      r.channels = static_cast<int64_t>(bm.size());
      r.batch_mean = mean_of(bm);
      r.batch_var = mean_of(bv);
      r.running_mean = r.running_var = r.mean_gap = r.var_ratio = nan;
      const Tensor rm = running_mean_of(m), rv = running_var_of(m);
      if (rm.defined() && rv.defined() && rm.numel() == r.channels) {
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
  for (const auto& r : out)
    csv_->append({tag_, r.step, r.layer, r.type, r.channels, r.batch_mean, r.running_mean, r.mean_gap, r.batch_var,
                  r.running_var, r.var_ratio, r.gamma_mean, r.gamma_std, r.beta_mean, r.beta_std});
  return out;
}

}  // namespace janus::training
