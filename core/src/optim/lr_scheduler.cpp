// Learning-rate schedules: the base class records each group's initial lr and sets
// lr_at(step, base_lr) on every step; the schedules are torch's closed forms.
#include <janus/core/optim/lr_scheduler.h>

#include <algorithm>
#include <cmath>

namespace janus::optim {

LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(optimizer) {
  for (const ParamGroup& g : optimizer.param_groups()) base_lrs_.push_back(g.lr);
}

void LRScheduler::apply() {
  auto& groups = optimizer_.param_groups();
  for (size_t i = 0; i < groups.size() && i < base_lrs_.size(); ++i) groups[i].lr = lr_at(step_, base_lrs_[i]);
  after_apply(optimizer_, step_);
}

void LRScheduler::step() {
  ++step_;
  apply();
}

double LRScheduler::lr() const { return optimizer_.lr(); }

StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma)
    : LRScheduler(optimizer), step_size_(step_size), gamma_(gamma) {
  JANUS_CHECK(step_size > 0, "StepLR: expected step_size > 0 (got {})", step_size);
  apply();
}

double StepLR::lr_at(int64_t step, double base_lr) const {
  return base_lr * std::pow(gamma_, static_cast<double>(step / step_size_));
}

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t t_max, double eta_min)
    : LRScheduler(optimizer), t_max_(t_max), eta_min_(eta_min) {
  JANUS_CHECK(t_max > 0, "CosineAnnealingLR: expected T_max > 0 (got {})", t_max);
  apply();
}

double cosine_annealing(double step, double t_max, double base_lr, double eta_min) {
  return eta_min + (base_lr - eta_min) * (1.0 + std::cos(M_PI * step / t_max)) / 2.0;
}

double CosineAnnealingLR::lr_at(int64_t step, double base_lr) const {
  return cosine_annealing(static_cast<double>(step), static_cast<double>(t_max_), base_lr, eta_min_);
}

LinearWarmup::LinearWarmup(Optimizer& optimizer, double start_factor, int64_t warmup_steps)
    : LRScheduler(optimizer), start_factor_(start_factor), warmup_steps_(warmup_steps) {
  JANUS_CHECK(start_factor > 0.0 && start_factor <= 1.0, "LinearWarmup: expected start_factor in (0, 1] (got {})",
              start_factor);
  JANUS_CHECK(warmup_steps > 0, "LinearWarmup: expected warmup_steps > 0 (got {})", warmup_steps);
  apply();
}

double LinearWarmup::lr_at(int64_t step, double base_lr) const {
  const double t = static_cast<double>(std::min(step, warmup_steps_)) / static_cast<double>(warmup_steps_);
  return base_lr * (start_factor_ + (1.0 - start_factor_) * t);
}

LambdaLR::LambdaLR(Optimizer& optimizer, std::function<double(int64_t step)> fn)
    : LRScheduler(optimizer), fn_(std::move(fn)) {
  JANUS_CHECK(static_cast<bool>(fn_), "LambdaLR: expected a function of the step (got an empty one)");
  apply();
}

MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma)
    : LRScheduler(optimizer), milestones_(std::move(milestones)), gamma_(gamma) {
  for (int64_t m : milestones_) JANUS_CHECK(m >= 0, "MultiStepLR: expected milestones >= 0 (got {})", m);
  std::sort(milestones_.begin(), milestones_.end());
  apply();
}

double MultiStepLR::lr_at(int64_t step, double base_lr) const {
  const auto passed = std::upper_bound(milestones_.begin(), milestones_.end(), step) - milestones_.begin();
  return base_lr * std::pow(gamma_, static_cast<double>(passed));
}

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma) : LRScheduler(optimizer), gamma_(gamma) {
  JANUS_CHECK(gamma > 0.0, "ExponentialLR: expected gamma > 0 (got {})", gamma);
  apply();
}

double ExponentialLR::lr_at(int64_t step, double base_lr) const {
  return base_lr * std::pow(gamma_, static_cast<double>(step));
}

std::function<double(int64_t)> warmup_cosine(int64_t warmup_steps, int64_t total_steps) {
  JANUS_CHECK(warmup_steps >= 0 && total_steps >= 0, "warmup_cosine: expected steps >= 0 (got warmup {}, total {})",
              warmup_steps, total_steps);
  return [warmup_steps, total_steps](int64_t s) {
    if (warmup_steps > 0 && s < warmup_steps)
      return std::min(1.0, static_cast<double>(s + 1) / static_cast<double>(warmup_steps));
    const double span = static_cast<double>(std::max<int64_t>(1, total_steps - warmup_steps));
    return 0.5 * (1.0 + std::cos(M_PI * static_cast<double>(s - warmup_steps) / span));
  };
}

}  // namespace janus::optim
