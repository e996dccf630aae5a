// torch::compile: a module traced once into a Graph, optimised by the graph passes that keep
// training semantics (fuse_norm_relu), then run by the Graph.
#include <janus/torch/compile.h>

namespace janus::torch {

CompiledModel::CompiledModel(std::shared_ptr<nn::Module> module, Graph graph)
    : module_(std::move(module)), graph_(std::move(graph)) {
  JANUS_CHECK(module_ != nullptr, "torch::compile: the module is null");
}

Tensor CompiledModel::forward(const Tensor& x) const {
  return graph_.forward(x, RunContext{module_->is_training()});
}

CompiledModel& CompiledModel::train(bool on) {
  module_->train(on);
  return *this;
}

Graph trace_module(nn::Module& module, const Tensor& example_input) {
  return trace([&module](const std::vector<Tensor>& in) { return std::vector<Tensor>{module.forward(in[0])}; },
               {example_input}, module.named_parameters(), module.named_buffers(),
               TraceOptions().training(module.is_training()));
}

CompiledModel compile(const std::shared_ptr<nn::Module>& module, const Tensor& example_input) {
  JANUS_CHECK(module != nullptr, "torch::compile: the module is null");
  try {
    return CompiledModel(module, fuse_norm_relu(trace_module(*module, example_input)));
  } catch (const Error& e) {
    throw Error(fmt::format("torch::compile({}): {}", module->type_name(), e.what()));
  }
}

}  // namespace janus::torch
