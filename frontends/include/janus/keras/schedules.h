// keras::optimizers::schedules: learning rates as a function of the optimizer's step count
// `iterations` (0 for the first update), evaluated before every optimizer step, as in
// Keras 3. Pass one as an optimizer's learning rate:
//
//   namespace sch = keras::optimizers::schedules;
//   keras::optimizers::SGD(sch::CosineDecay(0.0, 9000).warmup_target(0.05).warmup_steps(1000))
//   keras::optimizers::SGD(sch::PiecewiseConstantDecay({1000, 2000}, {0.1, 0.01, 0.001}))
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <type_traits>
#include <vector>

namespace janus::keras::optimizers::schedules {

class LearningRateSchedule {
 public:
  virtual ~LearningRateSchedule() = default;
  // The learning rate of the update made when `iterations` updates came before it.
  virtual double operator()(int64_t step) const = 0;
};

// CosineDecay(initial_learning_rate, decay_steps, alpha=0, warmup_target=None,
// warmup_steps=0). Without warmup_target: step = min(step, decay_steps) and
//   lr = initial * ((1 - alpha) c + alpha),  c = (1 + cos(pi step / decay_steps)) / 2.
// With warmup_target: step = min(step, warmup_steps + decay_steps); while step <
// warmup_steps, lr = initial + (warmup_target - initial) step / warmup_steps (a line from
// initial at step 0); then the decay above from warmup_target over step - warmup_steps.
// decay_steps must be > 0, warmup_steps >= 0.
class CosineDecay : public LearningRateSchedule {
 public:
  CosineDecay(double initial_learning_rate, int64_t decay_steps);
  CosineDecay& alpha(double v) { alpha_ = v; return *this; }
  CosineDecay& warmup_target(double v) { warmup_target_ = v; return *this; }
  CosineDecay& warmup_steps(int64_t v);
  double operator()(int64_t step) const override;

 private:
  double initial_;
  int64_t decay_steps_;
  double alpha_ = 0.0;
  std::optional<double> warmup_target_;
  int64_t warmup_steps_ = 0;
};

// ExponentialDecay(initial_learning_rate, decay_steps, decay_rate, staircase=False):
//   lr = initial * decay_rate ^ (step / decay_steps), the exponent floored with staircase.
// decay_steps must be > 0 and decay_rate > 0.
class ExponentialDecay : public LearningRateSchedule {
 public:
  ExponentialDecay(double initial_learning_rate, int64_t decay_steps, double decay_rate);
  ExponentialDecay& staircase(bool v) { staircase_ = v; return *this; }
  double operator()(int64_t step) const override;

 private:
  double initial_;
  int64_t decay_steps_;
  double decay_rate_;
  bool staircase_ = false;
};

// PiecewiseConstantDecay(boundaries, values): values[0] while step <= boundaries[0],
// values[i] while boundaries[i-1] < step <= boundaries[i], values.back() after the last
// boundary. One more value than boundaries; boundaries strictly increasing.
class PiecewiseConstantDecay : public LearningRateSchedule {
 public:
  PiecewiseConstantDecay(std::vector<int64_t> boundaries, std::vector<double> values);
  double operator()(int64_t step) const override;

 private:
  std::vector<int64_t> boundaries_;
  std::vector<double> values_;
};

}  // namespace janus::keras::optimizers::schedules

namespace janus::keras::optimizers {

// An optimizer's learning_rate argument: a float or a schedule (kept by shared handle).
class LearningRate {
 public:
  LearningRate(double value) : value_(value) {}  // NOLINT: implicit, SGD(0.01)
  template <typename S, typename = std::enable_if_t<
                            std::is_base_of_v<schedules::LearningRateSchedule, std::decay_t<S>>>>
  LearningRate(const S& schedule) : schedule_(std::make_shared<std::decay_t<S>>(schedule)) {}  // NOLINT
  LearningRate(std::shared_ptr<const schedules::LearningRateSchedule> schedule);  // NOLINT
  // SGD(std::make_shared<CosineDecay>(...)): a handle to any schedule type, shared as is.
  template <typename S, typename = std::enable_if_t<std::is_base_of_v<schedules::LearningRateSchedule, S>>>
  LearningRate(std::shared_ptr<S> schedule)  // NOLINT
      : LearningRate(std::shared_ptr<const schedules::LearningRateSchedule>(std::move(schedule))) {}
  // The rate of the update after `iterations` updates.
  double at(int64_t iterations) const { return schedule_ ? (*schedule_)(iterations) : value_; }
  bool is_schedule() const { return schedule_ != nullptr; }

 private:
  double value_ = 0.0;
  std::shared_ptr<const schedules::LearningRateSchedule> schedule_;
};

}  // namespace janus::keras::optimizers
