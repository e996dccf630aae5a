// Graph: building, inspection and execution. forward() replays the nodes through call_op
// with the graph's own (shared) parameter and buffer tensors, so autograd records exactly
// as in eager mode and a tracer watching a graph run sees the same ops again.
#include <janus/core/autograd.h>
#include <janus/core/graph.h>

namespace janus {

int64_t Graph::add_value(ValueKind kind, const std::string& name, const Shape& shape, const Tensor& tensor) {
  values_.push_back(GraphValue{kind, name, shape});
  tensors_.push_back(tensor);
  return static_cast<int64_t>(values_.size()) - 1;
}

void Graph::check_value(int64_t id, const char* what) const {
  JANUS_CHECK(id >= 0 && id < static_cast<int64_t>(values_.size()),
              "graph: {} refers to value {} but the graph has {} values", what, id, values_.size());
}

int64_t Graph::add_input(const Shape& shape) {
  const int64_t id = add_value(ValueKind::kInput, "", shape, Tensor());
  inputs_.push_back(id);
  return id;
}

namespace {
void check_named(const std::string& name, const Tensor& t, const char* what) {
  JANUS_CHECK(!name.empty(), "graph: a {} needs a name", what);
  JANUS_CHECK(t.defined(), "graph: {} '{}' is an undefined tensor", what, name);
}
}  // namespace

int64_t Graph::add_parameter(const std::string& name, const Tensor& tensor) {
  check_named(name, tensor, "parameter");
  JANUS_CHECK(find(name) < 0, "graph: the name '{}' is used twice", name);
  return add_value(ValueKind::kParameter, name, tensor.shape(), tensor);
}

int64_t Graph::add_buffer(const std::string& name, const Tensor& tensor) {
  check_named(name, tensor, "buffer");
  JANUS_CHECK(find(name) < 0, "graph: the name '{}' is used twice", name);
  return add_value(ValueKind::kBuffer, name, tensor.shape(), tensor);
}

int64_t Graph::add_constant(const std::string& name, const Tensor& tensor) {
  check_named(name, tensor, "constant");
  JANUS_CHECK(find(name) < 0, "graph: the name '{}' is used twice", name);
  return add_value(ValueKind::kConstant, name, tensor.shape(), tensor);
}

int64_t Graph::add_node(const std::string& kind, const Attrs& attrs, const std::vector<int64_t>& inputs,
                        const Shape& output_shape, NodeMode mode) {
  for (int64_t id : inputs)
    if (id != -1) check_value(id, kind.c_str());
  const int64_t out = add_value(ValueKind::kOp, "", output_shape, Tensor());
  nodes_.push_back(GraphNode{kind, attrs, inputs, out, mode});
  return out;
}

void Graph::set_outputs(const std::vector<int64_t>& outputs) {
  for (int64_t id : outputs) check_value(id, "an output");
  outputs_ = outputs;
}

const Tensor& Graph::tensor(int64_t value) const {
  check_value(value, "tensor()");
  return tensors_[value];
}

NamedTensors Graph::parameters() const {
  NamedTensors out;
  for (size_t i = 0; i < values_.size(); ++i)
    if (values_[i].kind == ValueKind::kParameter) out.emplace_back(values_[i].name, tensors_[i]);
  return out;
}

NamedTensors Graph::buffers() const {
  NamedTensors out;
  for (size_t i = 0; i < values_.size(); ++i)
    if (values_[i].kind == ValueKind::kBuffer) out.emplace_back(values_[i].name, tensors_[i]);
  return out;
}

int64_t Graph::find(const std::string& name) const {
  for (size_t i = 0; i < values_.size(); ++i)
    if (!values_[i].name.empty() && values_[i].name == name) return static_cast<int64_t>(i);
  return -1;
}

int64_t Graph::parameter_count() const {
  int64_t n = 0;
  for (const auto& [name, t] : parameters()) n += t.numel();
  return n;
}

int64_t Graph::buffer_count() const {
  int64_t n = 0;
  for (const auto& [name, t] : buffers()) n += t.numel();
  return n;
}

std::vector<Tensor> Graph::forward(const std::vector<Tensor>& inputs, const RunContext& ctx) const {
  JANUS_CHECK(inputs.size() == inputs_.size(), "graph forward: expected {} inputs (got {})", inputs_.size(),
              inputs.size());
  std::vector<Tensor> env = tensors_;  // (values) named tensors are shared handles
  for (size_t i = 0; i < inputs.size(); ++i) {
    const GraphValue& v = values_[inputs_[i]];
    JANUS_CHECK(inputs[i].defined(), "graph forward: input {} is undefined", i);
    // The batch axis may differ from the traced one; the rest must match.
    const Shape& s = inputs[i].shape();
    bool ok = s.size() == v.shape.size();
    for (size_t a = 1; ok && a < s.size(); ++a) ok = s[a] == v.shape[a];
    JANUS_CHECK(ok, "graph forward: input {} has shape {} but the graph was traced with {} (only the batch "
                "axis may differ)", i, shape_str(s), shape_str(v.shape));
    env[inputs_[i]] = inputs[i];
  }
  std::vector<Tensor> args;
  for (const GraphNode& node : nodes_) {
    args.clear();
    for (int64_t id : node.inputs) args.push_back(id < 0 ? Tensor() : env[id]);
    RunContext node_ctx = ctx;
    if (node.mode == NodeMode::kTraining) node_ctx.training = true;
    if (node.mode == NodeMode::kInference) node_ctx.training = false;
    env[node.output] = call_op(node.kind, args, node.attrs, node_ctx);
  }
  std::vector<Tensor> out;
  for (int64_t id : outputs_) out.push_back(env[id]);
  return out;
}

Tensor Graph::forward(const Tensor& input, const RunContext& ctx) const {
  JANUS_CHECK(outputs_.size() == 1, "graph forward: this graph has {} outputs; use the vector form",
              outputs_.size());
  return forward(std::vector<Tensor>{input}, ctx)[0];
}

void Graph::infer_shapes(const std::vector<Shape>& input_shapes) {
  JANUS_CHECK(input_shapes.size() == inputs_.size(), "infer_shapes: expected {} input shapes (got {})",
              inputs_.size(), input_shapes.size());
  NoGradGuard no_grad;
  // Zero stand-ins for parameters and buffers, copies of constants (which may be indices),
  // so that ops mutating buffers touch nothing real.
  std::vector<Tensor> env(values_.size());
  for (size_t i = 0; i < values_.size(); ++i) {
    if (!tensors_[i].defined()) continue;
    env[i] = values_[i].kind == ValueKind::kConstant ? tensors_[i].clone() : zeros(values_[i].shape);
  }
  std::vector<Shape> shapes(values_.size());  // committed only when every node ran
  for (size_t i = 0; i < inputs_.size(); ++i) {
    shapes[inputs_[i]] = input_shapes[i];
    env[inputs_[i]] = zeros(input_shapes[i]);
  }
  std::vector<Tensor> args;
  for (const GraphNode& node : nodes_) {
    args.clear();
    for (int64_t id : node.inputs) args.push_back(id < 0 ? Tensor() : env[id]);
    try {
      env[node.output] = call_op(node.kind, args, node.attrs, RunContext{false});
    } catch (const Error& e) {
      JANUS_FAIL("infer_shapes: node {} ({}) fails: {}", value_ref(node.output), node.kind, e.what());
    }
    shapes[node.output] = env[node.output].shape();
  }
  for (size_t i = 0; i < values_.size(); ++i)
    if (values_[i].kind == ValueKind::kInput || values_[i].kind == ValueKind::kOp) values_[i].shape = shapes[i];
}

std::string Graph::value_ref(int64_t id) const {
  check_value(id, "value_ref()");
  if (values_[id].kind != ValueKind::kInput && values_[id].kind != ValueKind::kOp) return "@" + values_[id].name;
  int64_t n = 0;
  for (int64_t i = 0; i < id; ++i)
    n += values_[i].kind == ValueKind::kInput || values_[i].kind == ValueKind::kOp;
  return fmt::format("%{}", n);
}

uint64_t fnv1a64(const std::string& text) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

uint64_t Graph::hash(const DumpOptions& options) const { return fnv1a64(dump(options)); }

std::vector<int> Graph::use_counts() const {
  std::vector<int> uses(values_.size(), 0);
  for (const GraphNode& n : nodes_)
    for (int64_t id : n.inputs)
      if (id >= 0) ++uses[id];
  for (int64_t id : outputs_) ++uses[id];
  return uses;
}

std::vector<int64_t> Graph::producers() const {
  std::vector<int64_t> producer(values_.size(), -1);
  for (size_t i = 0; i < nodes_.size(); ++i) producer[nodes_[i].output] = static_cast<int64_t>(i);
  return producer;
}

}  // namespace janus
