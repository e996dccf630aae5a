// fuse_norm_relu: a "normalize" node whose output is read by one "relu" node and nothing
// else becomes one normalize node with relu=true. The fused kernel clamps in the same pass
// that writes y, and its backward masks dy with [y > 0] before the norm backward -- the
// relu op's rule (mask from its output, 0 at exactly 0) -- so values, running statistics
// and gradients match the unfused pair while one op, one buffer and one pass are saved.
#include <janus/core/graph.h>
#include <janus/core/ops/norm.h>

namespace janus {

Graph fuse_norm_relu(const Graph& graph) {
  const auto& values = graph.values();
  const auto& nodes = graph.nodes();
  const std::vector<int> uses = graph.use_counts();
  const std::vector<int64_t> producer = graph.producers();

  // fused_relu[norm node] = the relu node it absorbs; absorbed[relu node] = true.
  std::vector<int64_t> fused_relu(nodes.size(), -1);
  std::vector<bool> absorbed(nodes.size(), false);
  for (size_t i = 0; i < nodes.size(); ++i) {
    const GraphNode& r = nodes[i];
    if (r.kind != "relu" || r.inputs.size() != 1 || r.inputs[0] < 0) continue;
    const int64_t p = producer[r.inputs[0]];
    if (p < 0 || nodes[p].kind != "normalize" || uses[r.inputs[0]] != 1) continue;
    if (NormOptions::from_attrs(nodes[p].attrs).relu_) continue;  // already fused: relu(relu(y)) stays
    fused_relu[p] = static_cast<int64_t>(i);
    absorbed[i] = true;
  }

  Graph out;
  std::vector<int64_t> map(values.size(), -1);
  for (int64_t id : graph.inputs()) map[id] = out.add_input(values[id].shape);
  for (size_t id = 0; id < values.size(); ++id) {
    const GraphValue& v = values[id];
    if (v.kind == ValueKind::kParameter) map[id] = out.add_parameter(v.name, graph.tensor(id));
    if (v.kind == ValueKind::kBuffer) map[id] = out.add_buffer(v.name, graph.tensor(id));
    if (v.kind == ValueKind::kConstant) map[id] = out.add_constant(v.name, graph.tensor(id));
  }
  for (size_t i = 0; i < nodes.size(); ++i) {
    const GraphNode& n = nodes[i];
    if (absorbed[i]) continue;  // its output was mapped when its normalize node was emitted
    std::vector<int64_t> ins;
    for (int64_t id : n.inputs) ins.push_back(id < 0 ? -1 : map[id]);
    if (fused_relu[i] < 0) {
      map[n.output] = out.add_node(n.kind, n.attrs, ins, values[n.output].shape, n.mode);
      continue;
    }
    Attrs attrs = n.attrs;
    attrs.set("relu", true);
    const int64_t y = out.add_node(n.kind, attrs, ins, values[n.output].shape, n.mode);
    map[n.output] = y;  // read by nothing else (uses == 1), kept consistent
    map[nodes[fused_relu[i]].output] = y;
  }
  std::vector<int64_t> outs;
  for (int64_t id : graph.outputs()) outs.push_back(map[id]);
  out.set_outputs(outs);
  return out;
}

}  // namespace janus
