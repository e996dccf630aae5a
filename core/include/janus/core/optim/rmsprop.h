// RMSprop with PyTorch's update rule (torch.optim.RMSprop), per parameter:
//   g = grad + weight_decay * p
//   sq = alpha sq + (1 - alpha) g^2                       (sq starts at 0)
//   centered: ga = alpha ga + (1 - alpha) g;  avg = sqrt(sq - ga^2) + eps
//   else:     avg = sqrt(sq) + eps
//   momentum > 0: buf = momentum buf + g / avg;  p = p - lr buf
//   else:         p = p - lr g / avg
// Defaults as torch's: lr 1e-2, alpha 0.99, eps 1e-8, no weight decay, momentum 0, not centered.
//
//   RMSprop opt(params, RMSpropOptions(1e-3).momentum(0.9).centered(true));
#pragma once

#include <janus/core/optim/grouped_optimizer.h>

namespace janus::optim {

struct RMSpropOptions {
  explicit RMSpropOptions(double lr = 1e-2) : lr_(lr) {}
  RMSpropOptions& lr(double v) { lr_ = v; return *this; }
  RMSpropOptions& alpha(double v) { alpha_ = v; return *this; }               // default 0.99
  RMSpropOptions& eps(double v) { eps_ = v; return *this; }                   // default 1e-8
  RMSpropOptions& weight_decay(double v) { weight_decay_ = v; return *this; } // default 0
  RMSpropOptions& momentum(double v) { momentum_ = v; return *this; }         // default 0
  RMSpropOptions& centered(bool v) { centered_ = v; return *this; }           // default false
  double lr_;
  double alpha_ = 0.99;
  double eps_ = 1e-8;
  double weight_decay_ = 0.0;
  double momentum_ = 0.0;
  bool centered_ = false;
};

// options(), add_param_group(params, RMSpropOptions) and group_options(g): GroupedOptimizer.
class RMSprop : public GroupedOptimizer<RMSpropOptions> {
 public:
  RMSprop(std::vector<Tensor> params, const RMSpropOptions& options = RMSpropOptions());
  void step() override;
  double group_momentum(size_t group) const override { return group_options(group).momentum_; }
  void set_group_momentum(size_t group, double value) override;

 protected:
  // State dict: param_groups.<g>.{alpha, eps, weight_decay, momentum, centered} and
  // state.<slot>.{step, square_avg, momentum_buffer (momentum > 0), grad_avg (centered)}.
  void save_options(NamedTensors& out, const std::string& prefix, size_t group) const override;
  void save_state(NamedTensors& out, size_t slot, const std::string& prefix) const override;
  std::function<void()> load_options_and_state(StateDictReader& r) override;

 private:
  static void check_options(const RMSpropOptions& options, const std::string& what);
  struct State {
    int64_t step = 0;
    Tensor square_avg, momentum_buffer, grad_avg;  // each the parameter's shape
  };
  std::vector<State> state_;
};

}  // namespace janus::optim
