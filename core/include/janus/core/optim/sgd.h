// Stochastic gradient descent with PyTorch's update rule (torch.optim.SGD) by default:
//   g = grad + weight_decay * p
//   b = g on the first step, else momentum * b + (1 - dampening) * g
//   g = nesterov ? g + momentum * b : b      (when momentum != 0)
//   p = p - lr * g
// Options for Keras 3's rules: lr_in_velocity (the velocity holds the lr: v = momentum v -
// lr g, p = p + v; nesterov p = p + momentum v - lr g) and decoupled_weight_decay
// (p = p (1 - lr weight_decay) before the update, as AdamW, instead of the L2 term).
//
//   SGD opt(params, SGDOptions(0.1).momentum(0.9).nesterov(true).weight_decay(5e-4));
//   SGD keras(params, SGDOptions(0.1).momentum(0.9).lr_in_velocity(true).decoupled_weight_decay(true));
//   opt.add_param_group(bn_and_bias, SGDOptions(0.1).momentum(0.9).weight_decay(0));  // a group's own options
#pragma once

#include <janus/core/optim/grouped_optimizer.h>

namespace janus::optim {

struct SGDOptions {
  explicit SGDOptions(double lr) : lr_(lr) {}
  SGDOptions& lr(double v) { lr_ = v; return *this; }
  SGDOptions& momentum(double v) { momentum_ = v; return *this; }         // default 0
  SGDOptions& dampening(double v) { dampening_ = v; return *this; }       // default 0
  SGDOptions& nesterov(bool v) { nesterov_ = v; return *this; }           // default false
  SGDOptions& weight_decay(double v) { weight_decay_ = v; return *this; } // default 0 (L2)
  // Momentum form: false (default, PyTorch) keeps b in gradient units and multiplies by the
  // current lr; true (Keras 3) keeps v = momentum v - lr g, so a velocity built under an
  // earlier lr keeps it. Equal up to rounding while lr is constant. Needs dampening 0.
  SGDOptions& lr_in_velocity(bool v) { lr_in_velocity_ = v; return *this; }
  // true: weight_decay shrinks p by lr weight_decay before the update (decoupled, outside
  // the momentum); false (default): weight_decay p is added to the gradient (L2).
  SGDOptions& decoupled_weight_decay(bool v) { decoupled_weight_decay_ = v; return *this; }
  double lr_;
  double momentum_ = 0.0;
  double dampening_ = 0.0;
  bool nesterov_ = false;
  double weight_decay_ = 0.0;
  bool lr_in_velocity_ = false;
  bool decoupled_weight_decay_ = false;
};

// options(), add_param_group(params, SGDOptions) and group_options(g): GroupedOptimizer.
class SGD : public GroupedOptimizer<SGDOptions> {
 public:
  SGD(std::vector<Tensor> params, const SGDOptions& options);
  void step() override;
  double group_momentum(size_t group) const override { return group_options(group).momentum_; }
  void set_group_momentum(size_t group, double value) override;
  // The momentum buffer of parameter `slot` (undefined before its first update).
  Tensor momentum_buffer(size_t slot) const;

 protected:
  // State dict: param_groups.<g>.{momentum, dampening, weight_decay, nesterov,
  // lr_in_velocity, decoupled_weight_decay} and state.<slot>.momentum_buffer (only with
  // momentum, once the parameter was updated; v itself with lr_in_velocity). A dict without
  // the last two options (saved before they existed) loads them as false.
  void save_options(NamedTensors& out, const std::string& prefix, size_t group) const override;
  void save_state(NamedTensors& out, size_t slot, const std::string& prefix) const override;
  std::function<void()> load_options_and_state(StateDictReader& r) override;

 private:
  static void check_options(const SGDOptions& options, const std::string& what);
  std::vector<Tensor> buffers_;  // one per parameter slot, same shape as the parameter
};

}  // namespace janus::optim
