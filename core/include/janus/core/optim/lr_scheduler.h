// Learning-rate schedules, stepped once per epoch or per batch as the caller chooses; each
// sets every group's lr to lr_at(step, base_lr), with base_lr the group's lr when the
// schedule was made and step counting from 0 at construction (torch's last_epoch). Values
// use torch's closed forms, so they match torch.optim.lr_scheduler. state_dict() /
// load_state_dict() save and restore the schedule's position, as torch's schedulers do.
//
//   LambdaLR sched(opt, warmup_cosine(500, 10000));   // per batch
//   for (...) { opt.zero_grad(); loss.backward(); opt.step(); sched.step(); }
#pragma once

#include <janus/core/optim/optimizer.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace janus::optim {

class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  // Advances one step and sets the new learning rates.
  void step();
  int64_t last_step() const { return step_; }
  // The current learning rate of group 0.
  double lr() const;
  // The learning rate at `step` of a group whose initial lr was base_lr.
  virtual double lr_at(int64_t step, double base_lr) const = 0;
  // "StepLR", "CosineAnnealingLR", "LinearWarmup" or "LambdaLR".
  virtual const char* kind() const = 0;

  // State dict (state_dict.h encodings): kind (ASCII codes), last_epoch (the step count,
  // torch's name), base_lrs (n_groups, 3), and the schedule's options under torch's names
  // (step_size, gamma / T_max, eta_min / start_factor, total_iters; LambdaLR's function is
  // code and is not saved). load_state_dict() checks the kind, the group count and every
  // key, restores step, base lrs and options, then sets the optimizer's lr for that step.
  NamedTensors state_dict() const;
  void load_state_dict(const NamedTensors& dict);

 protected:
  explicit LRScheduler(Optimizer& optimizer);
  // Sets lr for step 0; derived constructors call it once their fields are set.
  void apply();
  // The schedule's own options; load_options returns what commits them after all checks.
  virtual void save_options(NamedTensors& out) const = 0;
  virtual std::function<void()> load_options(StateDictReader& r) = 0;

 private:
  Optimizer& optimizer_;
  std::vector<double> base_lrs_;
  int64_t step_ = 0;
};

// lr = base_lr * gamma^(step / step_size) (integer division).
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);
  double lr_at(int64_t step, double base_lr) const override;
  const char* kind() const override { return "StepLR"; }

 protected:
  void save_options(NamedTensors& out) const override;
  std::function<void()> load_options(StateDictReader& r) override;

 private:
  int64_t step_size_;
  double gamma_;
};

// lr = eta_min + (base_lr - eta_min) (1 + cos(pi step / T_max)) / 2.
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t t_max, double eta_min = 0.0);
  double lr_at(int64_t step, double base_lr) const override;
  const char* kind() const override { return "CosineAnnealingLR"; }

 protected:
  void save_options(NamedTensors& out) const override;
  std::function<void()> load_options(StateDictReader& r) override;

 private:
  int64_t t_max_;
  double eta_min_;
};

// Linear warm-up (torch's LinearLR with end_factor 1): the factor goes from start_factor
// at step 0 to 1 at step warmup_steps, and stays 1.
class LinearWarmup : public LRScheduler {
 public:
  LinearWarmup(Optimizer& optimizer, double start_factor, int64_t warmup_steps);
  double lr_at(int64_t step, double base_lr) const override;
  const char* kind() const override { return "LinearWarmup"; }

 protected:
  void save_options(NamedTensors& out) const override;
  std::function<void()> load_options(StateDictReader& r) override;

 private:
  double start_factor_;
  int64_t warmup_steps_;
};

// lr = base_lr * fn(step) (torch's LambdaLR).
class LambdaLR : public LRScheduler {
 public:
  LambdaLR(Optimizer& optimizer, std::function<double(int64_t step)> fn);
  double lr_at(int64_t step, double base_lr) const override { return base_lr * fn_(step); }
  const char* kind() const override { return "LambdaLR"; }

 protected:
  void save_options(NamedTensors&) const override {}
  std::function<void()> load_options(StateDictReader&) override { return [] {}; }

 private:
  std::function<double(int64_t)> fn_;
};

// The cosine annealing curve: eta_min + (base_lr - eta_min) (1 + cos(pi step / t_max)) / 2.
// CosineAnnealingLR and the Keras frontend's CosineDecay both evaluate it.
double cosine_annealing(double step, double t_max, double base_lr, double eta_min);

// Per-step warm-up then cosine decay to 0, for LambdaLR:
//   step < warmup: min(1, (step + 1) / warmup);  else 0.5 (1 + cos(pi (step - warmup) / max(1, total - warmup)))
std::function<double(int64_t)> warmup_cosine(int64_t warmup_steps, int64_t total_steps);

}  // namespace janus::optim
