// Adam and AdamW with PyTorch's update rules (torch.optim.Adam / AdamW), per parameter:
//   Adam:  g = grad + weight_decay * p        (L2 penalty added to the gradient)
//   AdamW: p = p * (1 - lr * weight_decay)    (decoupled decay), g = grad
//   m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2;  t = step count
//   vmax = max(vmax, v) with amsgrad (then used in place of v)
//   p = p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
//
//   Adam opt(params, AdamOptions(1e-3).betas(0.9, 0.999).amsgrad(true));
//   AdamW optw(params, AdamWOptions(1e-3).weight_decay(5e-4));
#pragma once

#include <janus/core/optim/grouped_optimizer.h>

namespace janus::optim {

struct AdamOptions {
  explicit AdamOptions(double lr = 1e-3) : lr_(lr) {}
  AdamOptions& lr(double v) { lr_ = v; return *this; }
  AdamOptions& betas(double beta1, double beta2) { beta1_ = beta1; beta2_ = beta2; return *this; }
  AdamOptions& eps(double v) { eps_ = v; return *this; }                   // default 1e-8
  AdamOptions& weight_decay(double v) { weight_decay_ = v; return *this; } // default 0
  AdamOptions& amsgrad(bool v) { amsgrad_ = v; return *this; }             // default false
  double lr_;
  double beta1_ = 0.9;
  double beta2_ = 0.999;
  double eps_ = 1e-8;
  double weight_decay_ = 0.0;
  bool amsgrad_ = false;
};

// AdamW's options: the same, but weight decay is decoupled and defaults to 1e-2.
struct AdamWOptions : AdamOptions {
  explicit AdamWOptions(double lr = 1e-3) : AdamOptions(lr) { weight_decay_ = 1e-2; }
  AdamWOptions& lr(double v) { AdamOptions::lr(v); return *this; }
  AdamWOptions& betas(double beta1, double beta2) { AdamOptions::betas(beta1, beta2); return *this; }
  AdamWOptions& eps(double v) { AdamOptions::eps(v); return *this; }
  AdamWOptions& weight_decay(double v) { AdamOptions::weight_decay(v); return *this; }
  AdamWOptions& amsgrad(bool v) { AdamOptions::amsgrad(v); return *this; }
};

// options(), add_param_group(params, AdamOptions) and group_options(g): GroupedOptimizer.
class Adam : public GroupedOptimizer<AdamOptions> {
 public:
  Adam(std::vector<Tensor> params, const AdamOptions& options = AdamOptions());
  void step() override;
  double group_momentum(size_t group) const override { return group_options(group).beta1_; }
  void set_group_momentum(size_t group, double value) override;

 protected:
  Adam(std::vector<Tensor> params, const AdamOptions& options, bool decoupled, const char* name);
  // State dict: param_groups.<g>.{betas (2, 3), eps, weight_decay, amsgrad} and
  // state.<slot>.{step, exp_avg, exp_avg_sq, max_exp_avg_sq (amsgrad only)} once updated.
  void save_options(NamedTensors& out, const std::string& prefix, size_t group) const override;
  void save_state(NamedTensors& out, size_t slot, const std::string& prefix) const override;
  std::function<void()> load_options_and_state(StateDictReader& r) override;

 private:
  static void check_options(const AdamOptions& options, const std::string& what);
  struct State {
    int64_t step = 0;
    Tensor exp_avg, exp_avg_sq, max_exp_avg_sq;  // each the parameter's shape
  };
  bool decoupled_;
  std::vector<State> state_;  // one per parameter slot
};

class AdamW : public Adam {
 public:
  AdamW(std::vector<Tensor> params, const AdamWOptions& options = AdamWOptions());
};

}  // namespace janus::optim
