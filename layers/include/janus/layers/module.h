// nn::Module, the base of every layer: parameters, buffers and child modules registered by
// name, in order, so that dotted names ("features.0.weight", "features.1.running_var") are
// stable and checkpoints match PyTorch's. train()/eval() recurse; a module passes
// run_context() (its training flag) to mode-dependent ops. No pimpl: a layer is a plain
// class deriving from Module, held by std::shared_ptr.
//
//   struct Net : nn::Module {
//     Net() : Module("Net") {
//       fc = register_module("fc", std::make_shared<nn::Linear>(4, 2));
//       scale = register_parameter("scale", janus::ones({2}));
//     }
//     Tensor forward(const Tensor& x) override { return (*fc)(x) * scale; }
//     std::shared_ptr<nn::Linear> fc;
//     Tensor scale;  // shares storage with the registered parameter
//   };
//   auto net = std::make_shared<Net>();
//   net->eval();                            // recursive
//   for (auto& [name, t] : net->named_parameters()) ...   // "fc.weight", "fc.bias", "scale"
#pragma once

#include <janus/core/op.h>
#include <janus/core/safetensors.h>
#include <janus/core/tensor.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace janus::nn {

// What a non-strict load_state_dict() did not load. Strict loads throw instead.
struct LoadResult {
  std::vector<std::string> missing_keys;     // in the module, absent from the dict
  std::vector<std::string> unexpected_keys;  // in the dict, absent from the module
  std::vector<std::string> mismatched_keys;  // "name: module [4, 3], dict [4, 2]"
  bool ok() const { return missing_keys.empty() && unexpected_keys.empty() && mismatched_keys.empty(); }
};

class Module : public std::enable_shared_from_this<Module> {
 public:
  // `type_name` is the class name shown by repr() and errors ("Conv2d").
  explicit Module(std::string type_name);
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // The computation. The base throws naming the type (containers such as ModuleList
  // have none).
  virtual Tensor forward(const Tensor& x);
  Tensor operator()(const Tensor& x) { return forward(x); }

  // The class name, and a user-visible instance name (Keras' layer.name; defaults to the
  // type name in snake case, e.g. "conv2d").
  const std::string& type_name() const { return type_name_; }
  const std::string& name() const { return name_; }
  Module& set_name(std::string name);

  // Registration. Names must be non-empty, contain no '.', and be unique among this
  // module's parameters, buffers and children. The returned handle shares storage with
  // the registered tensor, so a layer keeps it as a member.
  Tensor register_parameter(const std::string& name, Tensor value);
  Tensor register_buffer(const std::string& name, Tensor value);
  template <typename M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    register_child(name, module);
    return module;
  }

  // Direct lookups (own members only); throw naming the module when absent.
  Tensor parameter(const std::string& name) const;
  Tensor buffer(const std::string& name) const;
  std::shared_ptr<Module> child(const std::string& name) const;
  bool has_parameter(const std::string& name) const;
  bool has_buffer(const std::string& name) const;

  // Recursive, in registration order (own members first, then each child's).
  NamedTensors named_parameters(bool recurse = true) const;
  NamedTensors named_buffers(bool recurse = true) const;
  std::vector<Tensor> parameters(bool recurse = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  std::vector<std::shared_ptr<Module>> children() const;
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named_children() const {
    return children_;
  }
  // This module ("" name) and all descendants, pre-order.
  std::vector<std::pair<std::string, Module*>> named_modules();
  // Total number of parameter elements (trainable or not).
  int64_t num_parameters() const;

  // Calls fn on every descendant (children first) and then on this module, like torch's.
  Module& apply(const std::function<void(Module&)>& fn);

  // Modes.
  Module& train(bool on = true);
  Module& eval() { return train(false); }
  bool is_training() const { return training_; }
  RunContext run_context() const { return RunContext{training_}; }
  // Keras' layer.trainable: false freezes this module's and its descendants' parameters
  // (requires_grad false). Normalization layers also read it (Keras BN then uses its
  // moving statistics). Parameters registered later follow the flag.
  Module& set_trainable(bool trainable);
  bool is_trainable() const { return trainable_; }
  // Drops every parameter's gradient (torch's zero_grad(set_to_none=True)).
  void zero_grad();

  // Parameters then buffers, own first then children's, with dotted names. The tensors
  // share storage with the module's (detach/clone them to keep a snapshot).
  NamedTensors state_dict() const;
  // Copies values in place (shared handles stay valid). strict: any missing, unexpected
  // or mis-shaped key throws one janus::Error listing them all and nothing is loaded.
  // Non-strict: loads what matches and returns the rest.
  LoadResult load_state_dict(const NamedTensors& dict, bool strict = true);

  // PyTorch-style printout: "Sequential(\n  (0): Conv2d(3, 32, kernel_size=(3, 3), ...)\n)".
  std::string repr() const;
  // The part inside the parentheses for this module alone ("3, 32, kernel_size=...").
  virtual std::string extra_repr() const { return ""; }

 protected:
  // "<name> (<Type>)" for error messages, e.g. "Linear".
  std::string describe() const;

 private:
  void register_child(const std::string& name, std::shared_ptr<Module> module);
  void check_new_name(const std::string& name, const char* what) const;
  void collect(const std::string& prefix, bool params, bool bufs, bool recurse, NamedTensors& out) const;

  std::string type_name_;
  std::string name_;
  bool training_ = true;
  bool trainable_ = true;
  NamedTensors parameters_;
  NamedTensors buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
};

std::ostream& operator<<(std::ostream& os, const Module& module);

}  // namespace janus::nn
