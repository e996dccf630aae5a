// GroupedOptimizer<O>: what SGD, Adam and RMSprop share around their options type O -- the
// defaults given at construction, each parameter group's own copy of them (torch's
// per-group options: {"params": ..., "momentum": ...}), and reading them back from a state
// dict. O has a double lr_; the group's learning rate itself lives in the Optimizer's
// param_groups (schedulers change it there).
#pragma once

#include <janus/core/error.h>
#include <janus/core/optim/optimizer.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace janus::optim {

template <class O>
class GroupedOptimizer : public Optimizer {
 public:
  // The defaults given at construction (group 0's options until a state dict is loaded).
  const O& options() const { return options_; }
  using Optimizer::add_param_group;  // (params, lr): the defaults with that lr
  // A group with its own options (its lr is options.lr_), like torch's {"params": ..., ...}.
  void add_param_group(std::vector<Tensor> params, const O& options) {
    check_(options, name_);
    group_options_.resize(param_groups().size(), options_);
    Optimizer::add_param_group(std::move(params), options.lr_);
    group_options_.push_back(options);
  }
  // Group g's options (lr_ is the group's current lr).
  O group_options(size_t g) const {
    JANUS_CHECK(g < param_groups().size(), "{}: group {} does not exist ({} group(s))", name_, g,
                param_groups().size());
    O o = g < group_options_.size() ? group_options_[g] : options_;
    o.lr_ = param_groups()[g].lr;
    return o;
  }

 protected:
  // The optimizer's check of a set of options; `what` names them in the error.
  using Check = void (*)(const O& options, const std::string& what);
  GroupedOptimizer(std::vector<Tensor> params, const O& options, const char* name, Check check)
      : Optimizer(std::move(params), options.lr_, name), options_(options), group_options_{options}, check_(check) {
    check_(options, name);
  }

  // One entry per group (groups added with only an lr hold the defaults), for step(); lr_
  // there is not the group's lr (for_each_param passes that).
  const std::vector<O>& every_group_options() {
    group_options_.resize(param_groups().size(), options_);
    return group_options_;
  }
  // Group g's stored options, to change one of them (set_group_momentum).
  O& stored_group_options(size_t g) {
    group_options(g);  // checks the index
    group_options_.resize(param_groups().size(), options_);
    return group_options_[g];
  }

  // State dict loading, in two halves so that nothing changes before every check passed:
  // read_group_options gives every group's options, its current ones with read(o, g)'s
  // changes, each checked; install_group_options commits them (group 0's become options(),
  // whose lr stays the constructor's: the groups' lr is restored by the base).
  std::vector<O> read_group_options(StateDictReader& r, const std::function<void(O& o, size_t g)>& read) const {
    std::vector<O> groups;
    for (size_t g = 0; g < param_groups().size(); ++g) {
      O o = group_options(g);
      read(o, g);
      check_(o, fmt::format("{} (group {})", r.what(), g));
      groups.push_back(o);
    }
    return groups;
  }
  void install_group_options(std::vector<O> groups) {
    const double lr = options_.lr_;
    options_ = groups[0];
    options_.lr_ = lr;
    group_options_ = std::move(groups);
  }
  // fn(slot, group) for every parameter slot in order, with the index of the slot's group.
  void for_each_slot(const std::function<void(size_t slot, size_t group)>& fn) const {
    size_t slot = 0;
    for (size_t g = 0; g < param_groups().size(); ++g)
      for (size_t i = 0; i < param_groups()[g].params.size(); ++i) fn(slot++, g);
  }

 private:
  O options_;
  std::vector<O> group_options_;  // per group; groups past its end use options_
  Check check_;
};

}  // namespace janus::optim
