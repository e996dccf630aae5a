// The graph IR: a trace of the ops a model runs. Tracing a function on example inputs
// records every top-level call_op (see op.h) as a node; tensors the trace was told about
// become named parameters and buffers, other unknown tensors become named constants. A
// Graph prints canonically (dump()), hashes, re-derives its shapes, and runs by itself,
// forward and (through the normal autograd tape) backward, in training or inference mode.
//
//   Graph g = trace([&](const std::vector<Tensor>& in) { return std::vector<Tensor>{net(in[0])}; },
//                   {x}, net_parameters, net_buffers);
//   fmt::print("{}", g.dump());          // %1 = conv2d(%0, @0.weight, _) {...} : [8, 32, 32, 32]
//   Tensor loss = cross_entropy(g.forward(x, RunContext{true}), y);
//   loss.backward();                     // gradients land in the module's parameters
//
// Ownership: parameters and buffers are SHARED handles -- the same storage (and the same
// .grad) as the tensors passed to trace(), so an optimizer stepping the module's parameters
// also steps the graph, and a graph run in training mode updates the module's running
// statistics. Constants are owned copies taken at trace time. Passes that create new
// weights (fold_batchnorm) give those new owned tensors and share the rest.
#pragma once

#include <janus/core/op.h>
#include <janus/core/tensor.h>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace janus {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

enum class ValueKind { kInput, kParameter, kBuffer, kConstant, kOp };

// One value of the graph: a graph input, a named tensor, or the output of a node.
struct GraphValue {
  ValueKind kind = ValueKind::kOp;
  std::string name;  // parameters, buffers and constants only
  Shape shape;
};

// Which mode a node runs in. kFollow takes RunContext::training from Graph::forward;
// the pinned modes come from layers that ignore the module's mode (Keras' frozen BN
// runs in inference mode even inside fit()).
enum class NodeMode { kFollow, kTraining, kInference };

struct GraphNode {
  std::string kind;
  Attrs attrs;
  std::vector<int64_t> inputs;  // value ids; -1 for an absent optional input (printed "_")
  int64_t output = -1;          // value id
  NodeMode mode = NodeMode::kFollow;
};

struct DumpOptions {
  // false: parameters, buffers and constants print as @p0, @b0, @c0 in order of first use,
  // so that two frontends' graphs compare structurally whatever their naming convention.
  DumpOptions& names(bool v) { names_ = v; return *this; }
  bool names_ = true;
};

class Graph {
 public:
  // ---- building (used by trace() and by passes) ----
  int64_t add_input(const Shape& shape);
  int64_t add_parameter(const std::string& name, const Tensor& tensor);
  int64_t add_buffer(const std::string& name, const Tensor& tensor);
  int64_t add_constant(const std::string& name, const Tensor& tensor);
  int64_t add_node(const std::string& kind, const Attrs& attrs, const std::vector<int64_t>& inputs,
                   const Shape& output_shape, NodeMode mode = NodeMode::kFollow);
  void set_outputs(const std::vector<int64_t>& outputs);

  // ---- inspection ----
  const std::vector<GraphValue>& values() const { return values_; }
  const std::vector<GraphNode>& nodes() const { return nodes_; }
  const std::vector<int64_t>& inputs() const { return inputs_; }
  const std::vector<int64_t>& outputs() const { return outputs_; }
  // For passes: how many node operands and graph outputs read each value, and the index of
  // the node that produces each value (-1 for inputs, parameters, buffers, constants).
  std::vector<int> use_counts() const;
  std::vector<int64_t> producers() const;
  // The tensor held for a parameter, buffer or constant value (undefined otherwise).
  const Tensor& tensor(int64_t value) const;
  NamedTensors parameters() const;
  NamedTensors buffers() const;
  // The value id of a named parameter, buffer or constant; -1 when there is none.
  int64_t find(const std::string& name) const;
  // How dump() refers to a value: "%3" or "@features.0.weight".
  std::string value_ref(int64_t value) const;
  // Elements in parameters (trainable) and in buffers.
  int64_t parameter_count() const;
  int64_t buffer_count() const;

  // Canonical text: values numbered in order, named tensors by name with shapes, one line
  // per node. Stable across runs and machines.
  std::string dump(const DumpOptions& options = {}) const;
  // FNV-1a 64 of dump(options).
  uint64_t hash(const DumpOptions& options = {}) const;

  // Re-derives every node's output shape for new input shapes by running the ops on zero
  // tensors under NoGradGuard in inference mode (the graph's own tensors are not touched).
  void infer_shapes(const std::vector<Shape>& input_shapes);

  // Runs the nodes in order through call_op with the graph's own parameters and buffers.
  // Autograd records as in eager mode, so backward from an output reaches the parameters.
  std::vector<Tensor> forward(const std::vector<Tensor>& inputs, const RunContext& ctx = {}) const;
  // One input, one output.
  Tensor forward(const Tensor& input, const RunContext& ctx = {}) const;

 private:
  int64_t add_value(ValueKind kind, const std::string& name, const Shape& shape, const Tensor& tensor);
  void check_value(int64_t id, const char* what) const;

  std::vector<GraphValue> values_;
  std::vector<Tensor> tensors_;  // parallel to values_: defined for named values
  std::vector<GraphNode> nodes_;
  std::vector<int64_t> inputs_;
  std::vector<int64_t> outputs_;
};

struct TraceOptions {
  // The mode the traced function runs in. An op whose RunContext says otherwise is
  // pinned to that mode in the graph (see NodeMode).
  TraceOptions& training(bool v) { training_ = v; return *this; }
  bool training_ = true;
};

using TraceFn = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;

// Runs `fn` on `example_inputs` with a tracer installed and returns the recorded graph.
// Buffers are restored to their values from before the trace (a training-mode trace
// would otherwise move running statistics). Outputs must be produced by traced ops.
Graph trace(const TraceFn& fn, const std::vector<Tensor>& example_inputs, const NamedTensors& parameters,
            const NamedTensors& buffers = {}, const TraceOptions& options = {});

// ---- passes ----

// For inference: each conv2d whose output feeds only a batch-axes "normalize" node that
// uses running statistics in inference (stats=running, or stats=auto in a graph run with
// RunContext{false}) becomes one conv2d with folded weight and bias: new owned constants
// "<conv weight name>.folded" and ".folded_bias" (a fused ReLU stays as a relu node). The
// result must be run with RunContext{false}; the BN tensors stay listed, unused.
Graph fold_batchnorm(const Graph& graph);

// Fusion, for training and inference: each "normalize" node (relu=false) whose output is
// read only by one "relu" node becomes one normalize node with relu=true; the relu node is
// dropped and its users read the fused node. Same outputs, running-statistic updates and
// gradients (the fused backward masks dy with [y > 0], as relu does); one op, one buffer
// and one pass over the activation fewer. Applied by torch::compile and keras compile.
Graph fuse_norm_relu(const Graph& graph);

// Removes the NHWC <-> NCHW permute nodes (order [0, 3, 1, 2] and [0, 2, 3, 1] on 4-D
// values), rerouting their users to the permute's input and re-deriving shapes. Used to
// compare a channels-last graph with a channels-first one structurally. Where a permute
// fed a flatten the numbers change (the flatten order differs): the result is for
// comparison and inspection, not for running with the old weights.
Graph strip_layout_permutes(const Graph& graph);

// FNV-1a 64-bit hash of a string.
uint64_t fnv1a64(const std::string& text);

}  // namespace janus
