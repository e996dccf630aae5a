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
#include <string>
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
  // "StepLR", "CosineAnnealingLR", "LinearWarmup", "LambdaLR", "MultiStepLR", "ExponentialLR"
  // or "OneCycleLR".
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
  // Sets lr for the current step (then calls after_apply); derived constructors call it
  // once their fields are set.
  void apply();
  // What a schedule sets besides the lr (OneCycleLR's momentum).
  virtual void after_apply(Optimizer&, int64_t /*step*/) {}
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

// lr = base_lr * gamma^(number of milestones <= step) (torch's MultiStepLR; a milestone listed
// twice counts twice).
class MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma = 0.1);
  double lr_at(int64_t step, double base_lr) const override;
  const char* kind() const override { return "MultiStepLR"; }

 protected:
  void save_options(NamedTensors& out) const override;
  std::function<void()> load_options(StateDictReader& r) override;

 private:
  std::vector<int64_t> milestones_;  // sorted
  double gamma_;
};

// lr = base_lr * gamma^step (torch's ExponentialLR).
class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma);
  double lr_at(int64_t step, double base_lr) const override;
  const char* kind() const override { return "ExponentialLR"; }

 protected:
  void save_options(NamedTensors& out) const override;
  std::function<void()> load_options(StateDictReader& r) override;

 private:
  double gamma_;
};

// torch's OneCycleLR, stepped once per batch: the lr rises from max_lr / div_factor to max_lr
// over the first pct_start of total_steps, then falls to max_lr / div_factor / final_div_factor
// (three_phase: back to the initial lr first, then down), by a cosine or a line; with
// cycle_momentum (default) the optimizer's momentum (SGD, RMSprop) or beta1 (Adam) moves the
// opposite way between max_momentum and base_momentum. Stepping past total_steps throws.
//
//   OneCycleLR sched(opt, OneCycleLROptions(0.1, epochs * batches_per_epoch).pct_start(0.25));
struct OneCycleLROptions {
  OneCycleLROptions(double max_lr, int64_t total_steps) : max_lr_(max_lr), total_steps_(total_steps) {}
  OneCycleLROptions& pct_start(double v) { pct_start_ = v; return *this; }               // default 0.3
  OneCycleLROptions& anneal_strategy(std::string v) { anneal_strategy_ = std::move(v); return *this; }  // "cos" | "linear"
  OneCycleLROptions& cycle_momentum(bool v) { cycle_momentum_ = v; return *this; }       // default true
  OneCycleLROptions& base_momentum(double v) { base_momentum_ = v; return *this; }       // default 0.85
  OneCycleLROptions& max_momentum(double v) { max_momentum_ = v; return *this; }         // default 0.95
  OneCycleLROptions& div_factor(double v) { div_factor_ = v; return *this; }             // default 25
  OneCycleLROptions& final_div_factor(double v) { final_div_factor_ = v; return *this; } // default 1e4
  OneCycleLROptions& three_phase(bool v) { three_phase_ = v; return *this; }             // default false
  double max_lr_;
  int64_t total_steps_;
  double pct_start_ = 0.3;
  std::string anneal_strategy_ = "cos";
  bool cycle_momentum_ = true;
  double base_momentum_ = 0.85;
  double max_momentum_ = 0.95;
  double div_factor_ = 25.0;
  double final_div_factor_ = 1e4;
  bool three_phase_ = false;
};

class OneCycleLR : public LRScheduler {
 public:
  OneCycleLR(Optimizer& optimizer, const OneCycleLROptions& options);
  // base_lr is unused: the cycle is set by max_lr and the factors, as in torch.
  double lr_at(int64_t step, double base_lr) const override;
  // The momentum (or beta1) the cycle sets at `step`.
  double momentum_at(int64_t step) const;
  const char* kind() const override { return "OneCycleLR"; }
  const OneCycleLROptions& options() const { return options_; }

 protected:
  void after_apply(Optimizer& optimizer, int64_t step) override;
  void save_options(NamedTensors& out) const override;
  std::function<void()> load_options(StateDictReader& r) override;

 private:
  static void check(const OneCycleLROptions& o, const std::string& what);
  // The phase holding `step`: its start step, end step and (lr, momentum) at both ends.
  struct Phase {
    double end_step, start_lr, end_lr, start_momentum, end_momentum;
  };
  std::vector<Phase> phases() const;
  double anneal(double start, double end, double pct) const;
  template <typename F>
  double along_phases(int64_t step, F value) const;
  OneCycleLROptions options_;
};

// The cosine annealing curve: eta_min + (base_lr - eta_min) (1 + cos(pi step / t_max)) / 2.
// CosineAnnealingLR and the Keras frontend's CosineDecay both evaluate it.
double cosine_annealing(double step, double t_max, double base_lr, double eta_min);

// Per-step warm-up then cosine decay to 0, for LambdaLR:
//   step < warmup: min(1, (step + 1) / warmup);  else 0.5 (1 + cos(pi (step - warmup) / max(1, total - warmup)))
std::function<double(int64_t)> warmup_cosine(int64_t warmup_steps, int64_t total_steps);

}  // namespace janus::optim
