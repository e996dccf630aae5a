// strip_layout_permutes: drops the NHWC <-> NCHW permutes a channels-last frontend puts at
// its boundaries, so that its graph can be compared with a channels-first one. A graph
// input read only through such a permute takes the permuted shape.
#include <janus/core/graph.h>

namespace janus {

namespace {

bool is_layout_permute(const GraphNode& node) {
  if (node.kind != "permute" || !node.attrs.has("order")) return false;
  const std::vector<int64_t>& order = node.attrs.get_ints("order");
  return order == std::vector<int64_t>{0, 3, 1, 2} || order == std::vector<int64_t>{0, 2, 3, 1};
}

}  // namespace

Graph strip_layout_permutes(const Graph& graph) {
  const auto& values = graph.values();
  // Shapes of the inputs after stripping: an input permuted at the boundary takes the
  // permuted shape.
  std::vector<Shape> input_shapes;
  for (int64_t id : graph.inputs()) input_shapes.push_back(values[id].shape);
  for (const GraphNode& node : graph.nodes()) {
    if (!is_layout_permute(node)) continue;
    for (size_t i = 0; i < graph.inputs().size(); ++i)
      if (node.inputs[0] == graph.inputs()[i]) input_shapes[i] = values[node.output].shape;
  }

  Graph out;
  std::vector<int64_t> map(values.size(), -1);
  for (size_t i = 0; i < graph.inputs().size(); ++i) map[graph.inputs()[i]] = out.add_input(input_shapes[i]);
  for (size_t id = 0; id < values.size(); ++id) {
    const GraphValue& v = values[id];
    if (v.kind == ValueKind::kParameter) map[id] = out.add_parameter(v.name, graph.tensor(id));
    if (v.kind == ValueKind::kBuffer) map[id] = out.add_buffer(v.name, graph.tensor(id));
    if (v.kind == ValueKind::kConstant) map[id] = out.add_constant(v.name, graph.tensor(id));
  }
  for (const GraphNode& node : graph.nodes()) {
    if (is_layout_permute(node)) {
      map[node.output] = map[node.inputs[0]];
      continue;
    }
    std::vector<int64_t> ins;
    for (int64_t id : node.inputs) ins.push_back(id < 0 ? -1 : map[id]);
    map[node.output] = out.add_node(node.kind, node.attrs, ins, values[node.output].shape, node.mode);
  }
  std::vector<int64_t> outs;
  for (int64_t id : graph.outputs()) outs.push_back(map[id]);
  out.set_outputs(outs);
  out.infer_shapes(input_shapes);
  return out;
}

}  // namespace janus
