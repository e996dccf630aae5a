// Precise BN: exact per-channel sums of every BN layer's input over a pass of data.
#include <janus/training/population_stats.h>

#include <janus/core/autograd.h>

#include <algorithm>
#include <janus/training/module_taps.h>

#include <map>

namespace janus::training {

void PopulationStats::restore(nn::Module& model) const {
  auto norms = norm_layers(model);
  for (size_t i = 0; i < layers.size(); ++i)
    for (auto& [name, m] : norms)
      if (name == layers[i]) {
        running_mean_of(*m).copy_(old_means[i]);
        running_var_of(*m).copy_(old_vars[i]);
      }
}

PopulationStats recompute_population_stats(nn::Module& model, const BatchSource& next) {
  struct Sums {
    std::vector<double> s, s2;
    double count = 0;  // values per channel
  };
  std::map<std::string, Sums> sums;
  PopulationStats ps;
  const bool was_training = model.is_training();
  {
    NoGradGuard no_grad;
    BufferSnapshot keep(model);  // batch-statistics forwards must not move the running averages
    model.train();
    Tensor x;
    while (next(x)) {
      ps.images += x.size(0);
      forward_with_taps(model, x, has_running_stats, [&](const std::string& name, nn::Module&, const Tensor& in) {
        Sums& acc = sums[name];
        const int64_t n = in.size(0), c = in.size(1), inner = in.numel() / (n * c);
        if (acc.s.empty()) {
          acc.s.assign(static_cast<size_t>(c), 0.0);
          acc.s2.assign(static_cast<size_t>(c), 0.0);
        }
        const float* p = in.data();  // (N, C, inner)
        for (int64_t i = 0; i < n; ++i)
          for (int64_t ch = 0; ch < c; ++ch) {
            const float* row = p + (i * c + ch) * inner;
            double s = 0, s2 = 0;
            for (int64_t j = 0; j < inner; ++j) {
              s += row[j];
              s2 += static_cast<double>(row[j]) * row[j];
            }
            acc.s[static_cast<size_t>(ch)] += s;
            acc.s2[static_cast<size_t>(ch)] += s2;
          }
        acc.count += static_cast<double>(n * inner);
      });
    }
  }
  model.train(was_training);
  JANUS_CHECK(ps.images > 0, "recompute_population_stats: the batch source gave no data");
  for (auto& [name, m] : norm_layers(model)) {
    if (!has_running_stats(*m)) continue;
    auto it = sums.find(name);
    if (it == sums.end()) continue;
    const Sums& acc = it->second;
    Tensor rm = running_mean_of(*m), rv = running_var_of(*m);
    ps.layers.push_back(name);
    ps.old_means.push_back(rm.clone());
    ps.old_vars.push_back(rv.clone());
    float* pm = rm.data();
    float* pv = rv.data();
    for (size_t ch = 0; ch < acc.s.size(); ++ch) {
      const double mu = acc.s[ch] / acc.count;
      const double biased = std::max(0.0, acc.s2[ch] / acc.count - mu * mu);
      pm[ch] = static_cast<float>(mu);
      pv[ch] = static_cast<float>(acc.count > 1 ? biased * acc.count / (acc.count - 1) : biased);
    }
  }
  return ps;
}

}  // namespace janus::training
