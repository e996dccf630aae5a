// Keras 3's learning-rate schedules (CosineDecay with its linear warm-up, ExponentialDecay,
// PiecewiseConstantDecay). The cosine curve is core's cosine_annealing(): Keras'
// initial ((1 - alpha) c + alpha) is annealing from `initial` to eta_min = alpha initial.
#include <janus/core/error.h>
#include <janus/core/optim/lr_scheduler.h>
#include <janus/keras/schedules.h>

#include <algorithm>
#include <cmath>

namespace janus::keras::optimizers::schedules {

CosineDecay::CosineDecay(double initial_learning_rate, int64_t decay_steps)
    : initial_(initial_learning_rate), decay_steps_(decay_steps) {
  JANUS_CHECK(decay_steps > 0, "CosineDecay: decay_steps must be > 0 (got {})", decay_steps);
}

CosineDecay& CosineDecay::warmup_steps(int64_t v) {
  JANUS_CHECK(v >= 0, "CosineDecay: warmup_steps must be >= 0 (got {})", v);
  warmup_steps_ = v;
  return *this;
}

double CosineDecay::operator()(int64_t step) const {
  const double decay = static_cast<double>(decay_steps_);
  auto cosine = [&](double s, double from) { return optim::cosine_annealing(s, decay, from, alpha_ * from); };
  if (!warmup_target_) return cosine(std::min(static_cast<double>(step), decay), initial_);
  const double warm = static_cast<double>(warmup_steps_);
  const double s = std::min(static_cast<double>(step), decay + warm);
  if (s < warm) return (*warmup_target_ - initial_) * (s / warm) + initial_;
  return cosine(s - warm, *warmup_target_);
}

ExponentialDecay::ExponentialDecay(double initial_learning_rate, int64_t decay_steps, double decay_rate)
    : initial_(initial_learning_rate), decay_steps_(decay_steps), decay_rate_(decay_rate) {
  JANUS_CHECK(decay_steps > 0, "ExponentialDecay: decay_steps must be > 0 (got {})", decay_steps);
  JANUS_CHECK(decay_rate > 0.0, "ExponentialDecay: decay_rate must be > 0 (got {})", decay_rate);
}

double ExponentialDecay::operator()(int64_t step) const {
  double p = static_cast<double>(step) / static_cast<double>(decay_steps_);
  if (staircase_) p = std::floor(p);
  return initial_ * std::pow(decay_rate_, p);
}

PiecewiseConstantDecay::PiecewiseConstantDecay(std::vector<int64_t> boundaries, std::vector<double> values)
    : boundaries_(std::move(boundaries)), values_(std::move(values)) {
  JANUS_CHECK(values_.size() == boundaries_.size() + 1,
              "PiecewiseConstantDecay: expected one more value than boundaries (got {} boundaries, {} values)",
              boundaries_.size(), values_.size());
  for (size_t i = 1; i < boundaries_.size(); ++i)
    JANUS_CHECK(boundaries_[i - 1] < boundaries_[i],
                "PiecewiseConstantDecay: boundaries must be strictly increasing (got {} then {})", boundaries_[i - 1],
                boundaries_[i]);
}

double PiecewiseConstantDecay::operator()(int64_t step) const {
  // The first boundary >= step closes step's interval.
  const auto it = std::lower_bound(boundaries_.begin(), boundaries_.end(), step);
  return values_[static_cast<size_t>(it - boundaries_.begin())];
}

}  // namespace janus::keras::optimizers::schedules

namespace janus::keras::optimizers {

LearningRate::LearningRate(std::shared_ptr<const schedules::LearningRateSchedule> schedule)
    : schedule_(std::move(schedule)) {
  JANUS_CHECK(schedule_ != nullptr, "optimizer: learning_rate schedule is null");
}

}  // namespace janus::keras::optimizers
