// Optimizer: the base of janus' optimizers (SGD, Adam, AdamW, RMSprop). It holds parameter
// groups (each a list of tensors with its own learning rate and, as in torch, its own copy of
// the optimizer's options: SGD::add_param_group(params, options)), keeps per-parameter state, and
// updates parameters in place from their .grad. Parameters whose grad is undefined are
// skipped, as in PyTorch. state_dict() / load_state_dict() save and restore everything a
// resumed run needs (see "State dict" below).
//
//   janus::optim::SGD opt(model_params, janus::optim::SGDOptions(0.1).momentum(0.9));
//   opt.zero_grad(); loss.backward(); opt.step();
#pragma once

#include <janus/core/optim/state_dict.h>
#include <janus/core/tensor.h>

#include <cstdint>
#include <functional>
#include <string>
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
  // Adds a group with its own learning rate and the optimizer's default options (each
  // optimizer also has add_param_group(params, its Options) for a group's own options).
  void add_param_group(std::vector<Tensor> params, double lr);
  std::vector<ParamGroup>& param_groups() { return groups_; }
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  // Number of step() calls so far.
  int64_t steps() const { return steps_; }
  // "SGD", "Adam", "AdamW" or "RMSprop".
  const char* kind() const { return name_; }
  // The momentum of group g that OneCycleLR cycles: SGD's and RMSprop's momentum, Adam's
  // beta1 (torch's rule); the base throws for an optimizer without one.
  virtual double group_momentum(size_t group) const;
  virtual void set_group_momentum(size_t group, double value);

  // State dict: torch.optim's state_dict() flattened into named tensors (copies), doubles
  // and counts as exact (3,) doubles (state_dict.h), slots numbered across groups in order:
  //   kind                      the optimizer kind as ASCII codes ("SGD")
  //   step                      number of step() calls
  //   param_groups.<g>.lr       the group's learning rate
  //   param_groups.<g>.params   (n_g,) the slots of the group's parameters
  //   param_groups.<g>.<option> momentum, betas (2, 3), weight_decay, ... (per optimizer,
  //                             each group's own)
  //   state.<slot>.<buffer>     momentum_buffer / step, exp_avg, exp_avg_sq, max_exp_avg_sq;
  //                             absent for a parameter never updated
  // load_state_dict() restores all of it, options included (as torch restores its
  // param_groups), after checking the kind, the groups and their parameter counts, every
  // shape, and that no key is missing or unexpected; on any mismatch it throws a
  // janus::Error naming the key, expected vs got, and changes nothing.
  NamedTensors state_dict() const;
  void load_state_dict(const NamedTensors& dict);

 protected:
  Optimizer(std::vector<Tensor> params, double lr, const char* name);
  // Calls fn(param, grad, lr, slot, group) for each parameter with a defined gradient, where
  // slot is the parameter's stable index in the optimizer (for per-parameter state) and group
  // the index of its group (for the group's options).
  template <typename F>
  void for_each_param(F fn) {
    size_t slot = 0;
    for (size_t gi = 0; gi < groups_.size(); ++gi)
      for (Tensor& p : groups_[gi].params) {
        const Tensor grad = p.grad();
        if (grad.defined()) fn(p, grad, groups_[gi].lr, slot, gi);
        ++slot;
      }
  }
  size_t num_params() const;
  // The shape of parameter `slot`.
  const Shape& param_shape(size_t slot) const;
  // Group `group`'s options under `prefix` ("param_groups.<g>."), and parameter `slot`'s
  // state under `prefix` ("state.<slot>.", nothing when it has none).
  virtual void save_options(NamedTensors& out, const std::string& prefix, size_t group) const = 0;
  virtual void save_state(NamedTensors& out, size_t slot, const std::string& prefix) const = 0;
  // Reads and checks every group's options and the per-parameter state; returns what
  // commits them once every check has passed.
  virtual std::function<void()> load_options_and_state(StateDictReader& r) = 0;
  // Writes `values` (one double, or (n, 3) for several) as <prefix><option>; reads group g's
  // back (param_groups.<g>.<option>).
  void put_option(NamedTensors& out, const std::string& prefix, const std::string& option,
                  const std::vector<double>& values) const;
  std::vector<double> group_option(StateDictReader& r, size_t group, const std::string& option, size_t n) const;
  // A 0/1 option of group g, read with StateDictReader::get_bool. With `if_absent` set, a
  // dict lacking the key (saved before the option existed) gives *if_absent.
  bool group_bool_option(StateDictReader& r, size_t group, const std::string& option,
                         const bool* if_absent = nullptr) const;
  // Decoupled weight decay (AdamW's, shared by SGD's option): p = p (1 - lr weight_decay),
  // the factor rounded to float once, before the optimizer's own update of p.
  static void decay_decoupled(Tensor& p, double lr, double weight_decay);
  const char* name_;
  int64_t steps_ = 0;

 private:
  std::vector<ParamGroup> groups_;
};

}  // namespace janus::optim
