// torch::compile(module, example_input): traces a module into a core Graph and returns a
// runner whose forward runs the Graph, not the module. The graph shares the module's
// parameters and buffers (same storage), so the module's optimizer trains the compiled
// model and train()/eval() on the runner (or the module) chooses the mode each call uses.
// The trace goes through fuse_norm_relu (graph.h): a BatchNorm followed by ReLU runs as one
// fused normalize node, in training and in inference, with the same numbers as eager.
//
//   auto compiled = torch::compile(net, x);          // traced in net's current mode
//   fmt::print("{}", compiled.graph().dump());
//   Tensor loss = nn::CrossEntropyLoss()(compiled(x), y);  loss.backward();  opt.step();
#pragma once

#include <janus/core/graph.h>
#include <janus/torch/nn.h>

#include <memory>

namespace janus::torch {

class CompiledModel {
 public:
  CompiledModel(std::shared_ptr<nn::Module> module, Graph graph);

  // Runs the graph in the module's mode (module->is_training()); random ops (dropout)
  // draw from the default generator.
  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }

  CompiledModel& train(bool on = true);
  CompiledModel& eval() { return train(false); }
  bool is_training() const { return module_->is_training(); }

  const Graph& graph() const { return graph_; }
  nn::Module& module() const { return *module_; }
  std::vector<Tensor> parameters() const { return module_->parameters(); }
  NamedTensors named_parameters() const { return module_->named_parameters(); }

 private:
  std::shared_ptr<nn::Module> module_;
  Graph graph_;
};

// Traces module->forward on example_input in the module's current mode, with the
// module's named parameters and buffers (PyTorch's names, e.g. "0.weight"), and fuses it.
CompiledModel compile(const std::shared_ptr<nn::Module>& module, const Tensor& example_input);
// The raw trace alone (no passes): one node per op the module ran.
Graph trace_module(nn::Module& module, const Tensor& example_input);

}  // namespace janus::torch
