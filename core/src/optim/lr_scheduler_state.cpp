// LRScheduler::state_dict / load_state_dict: kind, last_epoch (the step count), base_lrs,
// and each schedule's options, so a resumed schedule continues where it stopped.
#include <janus/core/error.h>
#include <janus/core/optim/lr_scheduler.h>

#include <algorithm>
#include <cmath>

namespace janus::optim {

NamedTensors LRScheduler::state_dict() const {
  NamedTensors out;
  out.emplace_back("kind", encode_name(kind()));
  put_double(out, "last_epoch", static_cast<double>(step_));
  put_doubles(out, "base_lrs", base_lrs_);
  save_options(out);
  return out;
}

void LRScheduler::load_state_dict(const NamedTensors& dict) {
  StateDictReader r(dict, std::string(kind()) + ".load_state_dict");
  r.expect_name("kind", kind());
  const int64_t step = r.get_int("last_epoch", 0, int64_t{1} << 60);
  const size_t groups = optimizer_.param_groups().size();
  const std::vector<double> base_lrs = r.get_doubles("base_lrs", static_cast<int64_t>(groups));  // one per group
  std::function<void()> commit = load_options(r);
  r.expect_all_read();
  commit();
  step_ = step;
  base_lrs_ = base_lrs;
  apply();
}

void StepLR::save_options(NamedTensors& out) const {
  put_double(out, "step_size", static_cast<double>(step_size_));
  put_double(out, "gamma", gamma_);
}

std::function<void()> StepLR::load_options(StateDictReader& r) {
  const int64_t step_size = r.get_int("step_size", 1, int64_t{1} << 60);
  const double gamma = r.get_double("gamma");
  return [this, step_size, gamma] {
    step_size_ = step_size;
    gamma_ = gamma;
  };
}

void CosineAnnealingLR::save_options(NamedTensors& out) const {
  put_double(out, "T_max", static_cast<double>(t_max_));
  put_double(out, "eta_min", eta_min_);
}

std::function<void()> CosineAnnealingLR::load_options(StateDictReader& r) {
  const int64_t t_max = r.get_int("T_max", 1, int64_t{1} << 60);
  const double eta_min = r.get_double("eta_min");
  return [this, t_max, eta_min] {
    t_max_ = t_max;
    eta_min_ = eta_min;
  };
}

void LinearWarmup::save_options(NamedTensors& out) const {
  put_double(out, "start_factor", start_factor_);
  put_double(out, "total_iters", static_cast<double>(warmup_steps_));
}

std::function<void()> LinearWarmup::load_options(StateDictReader& r) {
  const double start_factor = r.get_double("start_factor");
  JANUS_CHECK(start_factor > 0.0 && start_factor <= 1.0, "{}: key 'start_factor': expected a value in (0, 1] (got {})",
              r.what(), start_factor);
  const int64_t total = r.get_int("total_iters", 1, int64_t{1} << 60);
  return [this, start_factor, total] {
    start_factor_ = start_factor;
    warmup_steps_ = total;
  };
}

void MultiStepLR::save_options(NamedTensors& out) const {
  std::vector<double> m(milestones_.begin(), milestones_.end());
  put_doubles(out, "milestones", m);
  put_double(out, "gamma", gamma_);
}

std::function<void()> MultiStepLR::load_options(StateDictReader& r) {
  const Tensor t = r.get_any("milestones");
  JANUS_CHECK(t.dim() == 2 && t.shape()[1] == 3, "{}: key 'milestones': expected (n, 3) exact doubles (got {})",
              r.what(), shape_str(t.shape()));
  std::vector<int64_t> milestones;
  for (double v : decode_doubles(t)) {
    JANUS_CHECK(v >= 0.0 && v == std::floor(v), "{}: key 'milestones': expected integers >= 0 (got {})", r.what(), v);
    milestones.push_back(static_cast<int64_t>(v));
  }
  const double gamma = r.get_double("gamma");
  return [this, milestones, gamma] {
    milestones_ = milestones;
    std::sort(milestones_.begin(), milestones_.end());
    gamma_ = gamma;
  };
}

void ExponentialLR::save_options(NamedTensors& out) const { put_double(out, "gamma", gamma_); }

std::function<void()> ExponentialLR::load_options(StateDictReader& r) {
  const double gamma = r.get_double("gamma");
  JANUS_CHECK(gamma > 0.0, "{}: key 'gamma': expected a value > 0 (got {})", r.what(), gamma);
  return [this, gamma] { gamma_ = gamma; };
}

}  // namespace janus::optim
