// Optimizer: the base of janus' optimizers (SGD, Adam, AdamW). It holds parameter groups
// (each a list of tensors with its own learning rate), keeps per-parameter state, and
// updates parameters in place from their .grad. Parameters whose grad is undefined are
// skipped, as in PyTorch.
//
//   janus::optim::SGD opt(model_params, janus::optim::SGDOptions(0.1).momentum(0.9));
//   opt.zero_grad(); loss.backward(); opt.step();
#pragma once

#include <janus/core/tensor.h>

#include <cstdint>
#include <vector>

namespace janus::optim {

struct ParamGroup {
  std::vector<Tensor> params;
  double lr = 0.0;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // Drops every parameter's gradient (torch's zero_grad(set_to_none=True)).
  void zero_grad();
  // One update of every parameter that has a gradient.
  virtual void step() = 0;

  // The learning rate of group 0; set_lr sets it for every group.
  double lr() const;
  void set_lr(double lr);
  // Adds a group with its own learning rate (the other options are shared).
  void add_param_group(std::vector<Tensor> params, double lr);
  std::vector<ParamGroup>& param_groups() { return groups_; }
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  // Number of step() calls so far.
  int64_t steps() const { return steps_; }

 protected:
  Optimizer(std::vector<Tensor> params, double lr, const char* name);
  // Calls fn(param, grad, lr, slot) for each parameter with a defined gradient, where slot
  // is the parameter's stable index in the optimizer (for per-parameter state).
  template <typename F>
  void for_each_param(F fn) {
    size_t slot = 0;
    for (ParamGroup& g : groups_)
      for (Tensor& p : g.params) {
        const Tensor grad = p.grad();
        if (grad.defined()) fn(p, grad, g.lr, slot);
        ++slot;
      }
  }
  size_t num_params() const;
  const char* name_;
  int64_t steps_ = 0;

 private:
  std::vector<ParamGroup> groups_;
};

}  // namespace janus::optim
