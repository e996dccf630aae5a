// ReduceLROnPlateau: torch's scheduler that multiplies every group's lr by `factor` once a
// metric has not improved for more than `patience` steps (then waits `cooldown` steps). It is
// stepped with the metric, once per epoch: sched.step(val_loss). Defaults as torch 1.13's:
// mode "min", factor 0.1, patience 10, threshold 1e-4 ("rel"), cooldown 0, min_lr 0, eps 1e-8.
//
//   ReduceLROnPlateau sched(opt, ReduceLROnPlateauOptions().factor(0.5).patience(2));
//   for (epoch ...) { train(); sched.step(evaluate()); }
#pragma once

#include <janus/core/optim/optimizer.h>

#include <cstdint>
#include <string>

namespace janus::optim {

struct ReduceLROnPlateauOptions {
  ReduceLROnPlateauOptions& mode(std::string v) { mode_ = std::move(v); return *this; }  // "min" | "max"
  ReduceLROnPlateauOptions& factor(double v) { factor_ = v; return *this; }
  ReduceLROnPlateauOptions& patience(int64_t v) { patience_ = v; return *this; }
  ReduceLROnPlateauOptions& threshold(double v) { threshold_ = v; return *this; }
  // "rel": better means beyond best * (1 -/+ threshold); "abs": beyond best -/+ threshold.
  ReduceLROnPlateauOptions& threshold_mode(std::string v) { threshold_mode_ = std::move(v); return *this; }
  ReduceLROnPlateauOptions& cooldown(int64_t v) { cooldown_ = v; return *this; }
  ReduceLROnPlateauOptions& min_lr(double v) { min_lr_ = v; return *this; }
  // A reduction smaller than eps is skipped.
  ReduceLROnPlateauOptions& eps(double v) { eps_ = v; return *this; }
  std::string mode_ = "min";
  double factor_ = 0.1;
  int64_t patience_ = 10;
  double threshold_ = 1e-4;
  std::string threshold_mode_ = "rel";
  int64_t cooldown_ = 0;
  double min_lr_ = 0.0;
  double eps_ = 1e-8;
};

class ReduceLROnPlateau {
 public:
  explicit ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& options = {});
  // One epoch's metric: updates the best value and the counters, and lowers the lr on a plateau.
  void step(double metric);
  // The current learning rate of group 0.
  double lr() const { return optimizer_.lr(); }
  int64_t last_step() const { return last_epoch_; }
  int64_t num_bad_epochs() const { return num_bad_epochs_; }
  double best() const { return best_; }
  const char* kind() const { return "ReduceLROnPlateau"; }

  // State dict (state_dict.h encodings): kind, last_epoch, best (absent until a first metric),
  // num_bad_epochs, cooldown_counter and the options under torch's names (mode and
  // threshold_mode as names). load_state_dict() checks every key and changes nothing on error.
  NamedTensors state_dict() const;
  void load_state_dict(const NamedTensors& dict);

 private:
  static void check(const ReduceLROnPlateauOptions& o, const std::string& what);
  bool is_better(double a) const;
  Optimizer& optimizer_;
  ReduceLROnPlateauOptions options_;
  double best_;
  int64_t num_bad_epochs_ = 0, cooldown_counter_ = 0, last_epoch_ = 0;
};

}  // namespace janus::optim
