// OneCycleLR: torch's one-cycle schedule (phases, cosine or linear annealing, momentum cycled
// the opposite way) and its state dict.
#include <janus/core/error.h>
#include <janus/core/optim/lr_scheduler.h>

#include <cmath>

namespace janus::optim {

void OneCycleLR::check(const OneCycleLROptions& o, const std::string& what) {
  JANUS_CHECK(o.total_steps_ > 0, "{}: expected total_steps > 0 (got {})", what, o.total_steps_);
  JANUS_CHECK(o.max_lr_ >= 0.0, "{}: expected max_lr >= 0 (got {})", what, o.max_lr_);
  JANUS_CHECK(o.pct_start_ >= 0.0 && o.pct_start_ <= 1.0, "{}: expected pct_start in [0, 1] (got {})", what,
              o.pct_start_);
  JANUS_CHECK(o.anneal_strategy_ == "cos" || o.anneal_strategy_ == "linear",
              "{}: anneal_strategy must be \"cos\" or \"linear\" (got \"{}\")", what, o.anneal_strategy_);
  JANUS_CHECK(o.div_factor_ > 0.0 && o.final_div_factor_ > 0.0,
              "{}: expected div_factor and final_div_factor > 0 (got {} and {})", what, o.div_factor_,
              o.final_div_factor_);
}

OneCycleLR::OneCycleLR(Optimizer& optimizer, const OneCycleLROptions& options)
    : LRScheduler(optimizer), options_(options) {
  check(options, "OneCycleLR");
  // As torch: the optimizer must have a momentum (SGD, RMSprop) or beta1 (Adam) to cycle.
  if (options.cycle_momentum_)
    for (size_t g = 0; g < optimizer.param_groups().size(); ++g) optimizer.group_momentum(g);
  apply();
}

std::vector<OneCycleLR::Phase> OneCycleLR::phases() const {
  const OneCycleLROptions& o = options_;
  const double initial = o.max_lr_ / o.div_factor_, min_lr = initial / o.final_div_factor_;
  const double total = static_cast<double>(o.total_steps_), rise = o.pct_start_ * total;
  if (o.three_phase_)
    return {{rise - 1.0, initial, o.max_lr_, o.max_momentum_, o.base_momentum_},
            {2.0 * rise - 2.0, o.max_lr_, initial, o.base_momentum_, o.max_momentum_},
            {total - 1.0, initial, min_lr, o.max_momentum_, o.max_momentum_}};
  return {{rise - 1.0, initial, o.max_lr_, o.max_momentum_, o.base_momentum_},
          {total - 1.0, o.max_lr_, min_lr, o.base_momentum_, o.max_momentum_}};
}

double OneCycleLR::anneal(double start, double end, double pct) const {
  if (options_.anneal_strategy_ == "linear") return (end - start) * pct + start;
  return end + (start - end) / 2.0 * (std::cos(M_PI * pct) + 1.0);
}

// torch's get_lr: the first phase whose end_step >= step (or the last), at
// pct = (step - start) / (end - start) of it; value(phase, pct) picks lr or momentum.
template <typename F>
double OneCycleLR::along_phases(int64_t step, F value) const {
  JANUS_CHECK(step <= options_.total_steps_,
              "OneCycleLR: tried to step {} times; the specified number of total steps is {}", step,
              options_.total_steps_);
  const std::vector<Phase> ps = phases();
  double start = 0.0;
  const double s = static_cast<double>(step);
  for (size_t i = 0; i < ps.size(); ++i) {
    if (s <= ps[i].end_step || i + 1 == ps.size()) return value(ps[i], (s - start) / (ps[i].end_step - start));
    start = ps[i].end_step;
  }
  return 0.0;  // not reached: the last phase always answers
}

double OneCycleLR::lr_at(int64_t step, double) const {
  return along_phases(step, [this](const Phase& p, double pct) { return anneal(p.start_lr, p.end_lr, pct); });
}

double OneCycleLR::momentum_at(int64_t step) const {
  return along_phases(step,
                      [this](const Phase& p, double pct) { return anneal(p.start_momentum, p.end_momentum, pct); });
}

void OneCycleLR::after_apply(Optimizer& optimizer, int64_t step) {
  if (!options_.cycle_momentum_) return;
  const double m = momentum_at(step);
  for (size_t g = 0; g < optimizer.param_groups().size(); ++g) optimizer.set_group_momentum(g, m);
}

void OneCycleLR::save_options(NamedTensors& out) const {
  const OneCycleLROptions& o = options_;
  put_double(out, "max_lr", o.max_lr_);
  put_double(out, "total_steps", static_cast<double>(o.total_steps_));
  put_double(out, "pct_start", o.pct_start_);
  out.emplace_back("anneal_strategy", encode_name(o.anneal_strategy_));
  put_double(out, "cycle_momentum", o.cycle_momentum_ ? 1.0 : 0.0);
  put_double(out, "base_momentum", o.base_momentum_);
  put_double(out, "max_momentum", o.max_momentum_);
  put_double(out, "div_factor", o.div_factor_);
  put_double(out, "final_div_factor", o.final_div_factor_);
  put_double(out, "three_phase", o.three_phase_ ? 1.0 : 0.0);
}

std::function<void()> OneCycleLR::load_options(StateDictReader& r) {
  OneCycleLROptions o(r.get_double("max_lr"), r.get_int("total_steps", 1, int64_t{1} << 60));
  o.pct_start_ = r.get_double("pct_start");
  o.anneal_strategy_ = r.get_name("anneal_strategy");
  o.cycle_momentum_ = r.get_bool("cycle_momentum");
  o.base_momentum_ = r.get_double("base_momentum");
  o.max_momentum_ = r.get_double("max_momentum");
  o.div_factor_ = r.get_double("div_factor");
  o.final_div_factor_ = r.get_double("final_div_factor");
  o.three_phase_ = r.get_bool("three_phase");
  check(o, r.what());
  return [this, o] { options_ = o; };
}

}  // namespace janus::optim
