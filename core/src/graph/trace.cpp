// trace(): records the ops a function runs into a Graph. A tracer observes every top-level
// call_op; it knows tensors by their TensorImpl (a reshape view is a new impl, so it is
// its own value), holds every seen tensor alive so no address is reused during the trace,
// and turns tensors it has never seen into named constants (owned copies).
#include <janus/core/autograd.h>
#include <janus/core/graph.h>

#include <unordered_map>

namespace janus {

namespace {

class Tracer : public OpObserver {
 public:
  Tracer(Graph& graph, bool training) : graph_(graph), training_(training) {}

  void bind(const Tensor& t, int64_t id) {
    ids_[t.impl()] = id;
    alive_.push_back(t);
  }

  int64_t lookup(const Tensor& t) const {
    auto it = ids_.find(t.impl());
    return it == ids_.end() ? -1 : it->second;
  }

  void on_op(const std::string& kind, const std::vector<Tensor>& inputs, const Attrs& attrs,
             const RunContext& ctx, const Tensor& output) override {
    std::vector<int64_t> ids;
    for (const Tensor& t : inputs) {
      if (!t.defined()) {
        ids.push_back(-1);
        continue;
      }
      int64_t id = lookup(t);
      if (id < 0) {
        // A tensor that requires grad but was not passed in as a parameter would be frozen
        // into a constant and silently stop training.
        JANUS_CHECK(!t.requires_grad(), "trace: input {} of op '{}' is a tensor of shape {} that requires grad but is "
                    "not a parameter of the traced model; it would be frozen into the constant @const{} and "
                    "stop training (hint: did you forget register_parameter / register_module?)",
                    ids.size(), kind, shape_str(t.shape()), constants_);
        id = graph_.add_constant(fmt::format("const{}", constants_++), t.detach().clone());
        bind(t, id);
      }
      ids.push_back(id);
    }
    const OpDef& def = find_op(kind);
    NodeMode mode = NodeMode::kFollow;
    if (def.mode_dependent && ctx.training != training_)
      mode = ctx.training ? NodeMode::kTraining : NodeMode::kInference;
    JANUS_CHECK(output.defined(), "trace: op '{}' returned an undefined tensor", kind);
    bind(output, graph_.add_node(kind, batch_free(kind, inputs, attrs), ids, output.shape(), mode));
  }

  // A reshape that keeps the leading (batch) axis records it as -1, so that the graph runs
  // on any batch size (flatten traced at batch 8 must also take the last batch of 5).
  static Attrs batch_free(const std::string& kind, const std::vector<Tensor>& inputs, const Attrs& attrs) {
    if (kind != "reshape" || inputs.size() != 1 || !attrs.has("shape")) return attrs;
    std::vector<int64_t> shape = attrs.get_ints("shape");
    const Shape& in = inputs[0].shape();
    if (shape.size() < 2 || in.empty() || shape[0] != in[0]) return attrs;
    for (int64_t s : shape)
      if (s < 0) return attrs;
    shape[0] = -1;
    return Attrs(attrs).set("shape", shape);
  }

 private:
  Graph& graph_;
  bool training_;
  std::unordered_map<const TensorImpl*, int64_t> ids_;
  std::vector<Tensor> alive_;
  int constants_ = 0;
};

}  // namespace

Graph trace(const TraceFn& fn, const std::vector<Tensor>& example_inputs, const NamedTensors& parameters,
            const NamedTensors& buffers, const TraceOptions& options) {
  Graph graph;
  Tracer tracer(graph, options.training_);
  for (const Tensor& x : example_inputs) {
    JANUS_CHECK(x.defined(), "trace: an example input is undefined");
    JANUS_CHECK(tracer.lookup(x) < 0, "trace: the same tensor is passed as two inputs");
    tracer.bind(x, graph.add_input(x.shape()));
  }
  for (const auto& [name, t] : parameters) {
    JANUS_CHECK(tracer.lookup(t) < 0, "trace: parameter '{}' is also an input or another named tensor", name);
    tracer.bind(t, graph.add_parameter(name, t));
  }
  for (const auto& [name, t] : buffers) {
    JANUS_CHECK(tracer.lookup(t) < 0, "trace: buffer '{}' is also an input or another named tensor", name);
    tracer.bind(t, graph.add_buffer(name, t));
  }
  // A training-mode trace runs batch norm, which moves running statistics: keep a copy.
  std::vector<Tensor> saved;
  for (const auto& entry : buffers) saved.push_back(entry.second.clone());
  std::vector<Tensor> outputs;
  {
    ObserverScope scope(&tracer);
    try {
      outputs = fn(example_inputs);
    } catch (...) {
      for (size_t i = 0; i < buffers.size(); ++i) buffers[i].second.detach().copy_(saved[i]);
      throw;
    }
  }
  for (size_t i = 0; i < buffers.size(); ++i) buffers[i].second.detach().copy_(saved[i]);
  std::vector<int64_t> out_ids;
  for (size_t i = 0; i < outputs.size(); ++i) {
    JANUS_CHECK(outputs[i].defined(), "trace: output {} is undefined", i);
    const int64_t id = tracer.lookup(outputs[i]);
    JANUS_CHECK(id >= 0, "trace: output {} (shape {}) was not produced by a traced op or an input; was it "
                "computed outside call_op?", i, shape_str(outputs[i].shape()));
    out_ids.push_back(id);
  }
  graph.set_outputs(out_ids);
  return graph;
}

}  // namespace janus
