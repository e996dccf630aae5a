// Stochastic gradient descent with PyTorch's update rule (torch.optim.SGD):
//   g = grad + weight_decay * p
//   b = g on the first step, else momentum * b + (1 - dampening) * g
//   g = nesterov ? g + momentum * b : b      (when momentum != 0)
//   p = p - lr * g
//
//   SGD opt(params, SGDOptions(0.1).momentum(0.9).nesterov(true).weight_decay(5e-4));
#pragma once

#include <janus/core/optim/optimizer.h>

namespace janus::optim {

struct SGDOptions {
  explicit SGDOptions(double lr) : lr_(lr) {}
  SGDOptions& momentum(double v) { momentum_ = v; return *this; }         // default 0
  SGDOptions& dampening(double v) { dampening_ = v; return *this; }       // default 0
  SGDOptions& nesterov(bool v) { nesterov_ = v; return *this; }           // default false
  SGDOptions& weight_decay(double v) { weight_decay_ = v; return *this; } // default 0 (L2)
  double lr_;
  double momentum_ = 0.0;
  double dampening_ = 0.0;
  bool nesterov_ = false;
  double weight_decay_ = 0.0;
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, const SGDOptions& options);
  void step() override;
  const SGDOptions& options() const { return options_; }
  // The momentum buffer of parameter `slot` (undefined before its first update).
  Tensor momentum_buffer(size_t slot) const;

 protected:
  // State dict: param_groups.<g>.{momentum, dampening, weight_decay, nesterov} and
  // state.<slot>.momentum_buffer (only with momentum, once the parameter was updated).
  void save_options(NamedTensors& out, const std::string& prefix) const override;
  void save_state(NamedTensors& out, size_t slot, const std::string& prefix) const override;
  std::function<void()> load_options_and_state(StateDictReader& r) override;

 private:
  static void check_options(const SGDOptions& options, const std::string& what);
  SGDOptions options_;
  std::vector<Tensor> buffers_;  // one per parameter slot, same shape as the parameter
};

}  // namespace janus::optim
