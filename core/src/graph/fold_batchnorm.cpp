// fold_batchnorm: the inference pass that merges each conv2d -> batch-statistics normalize
// pair into one conv2d. In inference BN is y = x * s + t per channel (s = gamma /
// sqrt(running_var + eps), t = beta - running_mean * s), so BN(conv(x, W, b)) =
// conv(x, W * s, b * s + t); the arithmetic is fold_batch_norm() of core/fold_bn.h.
#include <janus/core/fold_bn.h>
#include <janus/core/graph.h>
#include <janus/core/ops/norm.h>

namespace janus {

namespace {

// A normalize node that, in inference, is a fixed per-channel affine map.
bool foldable_norm(const GraphNode& node, const Graph& graph) {
  if (node.kind != "normalize" || node.mode == NodeMode::kTraining) return false;
  const NormOptions opt = NormOptions::from_attrs(node.attrs);
  if (opt.axes_ != NormAxes::batch || opt.stats_ == StatsSource::batch) return false;
  if (opt.eps_placement_ != EpsPlacement::inside) return false;
  // Inputs: x, weight, bias, running_mean, running_var, num_batches_tracked.
  return node.inputs.size() >= 5 && node.inputs[3] >= 0 && node.inputs[4] >= 0 &&
         graph.tensor(node.inputs[3]).defined() && graph.tensor(node.inputs[4]).defined();
}

}  // namespace

Graph fold_batchnorm(const Graph& graph) {
  const auto& values = graph.values();
  const auto& nodes = graph.nodes();
  const std::vector<int> uses = graph.use_counts();
  const std::vector<int64_t> producer = graph.producers();

  // fold_into[conv node] = norm node; skip[norm node] = true.
  std::vector<int64_t> fold_into(nodes.size(), -1);
  for (size_t i = 0; i < nodes.size(); ++i) {
    const GraphNode& n = nodes[i];
    if (!foldable_norm(n, graph) || n.inputs[0] < 0) continue;
    const int64_t p = producer[n.inputs[0]];
    if (p < 0 || nodes[p].kind != "conv2d" || uses[n.inputs[0]] != 1) continue;
    const GraphNode& conv = nodes[p];
    if (conv.inputs[1] < 0 || !graph.tensor(conv.inputs[1]).defined()) continue;
    if (conv.inputs[2] >= 0 && !graph.tensor(conv.inputs[2]).defined()) continue;
    fold_into[p] = static_cast<int64_t>(i);
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
  auto mapped = [&](const std::vector<int64_t>& ins) {
    std::vector<int64_t> r;
    for (int64_t id : ins) r.push_back(id < 0 ? -1 : map[id]);
    return r;
  };
  auto tensor_or_none = [&](int64_t id) { return id < 0 ? Tensor() : graph.tensor(id); };
  std::vector<bool> skip(nodes.size(), false);
  for (size_t i = 0; i < nodes.size(); ++i) {
    const GraphNode& n = nodes[i];
    if (skip[i]) continue;
    if (fold_into[i] < 0) {
      map[n.output] = out.add_node(n.kind, n.attrs, mapped(n.inputs), values[n.output].shape, n.mode);
      continue;
    }
    const GraphNode& bn = nodes[fold_into[i]];
    const NormOptions opt = NormOptions::from_attrs(bn.attrs);
    const FoldedConv f = fold_batch_norm(graph.tensor(n.inputs[1]), tensor_or_none(n.inputs[2]),
                                         tensor_or_none(bn.inputs[1]), tensor_or_none(bn.inputs[2]),
                                         graph.tensor(bn.inputs[3]), graph.tensor(bn.inputs[4]), opt.eps_);
    const std::string base = values[n.inputs[1]].name;
    const int64_t w = out.add_constant(base + ".folded", f.weight);
    const int64_t b = out.add_constant(base + ".folded_bias", f.bias);
    int64_t y = out.add_node("conv2d", n.attrs, {map[n.inputs[0]], w, b}, values[bn.output].shape, n.mode);
    if (opt.relu_) y = out.add_node("relu", Attrs(), {y}, values[bn.output].shape);
    map[bn.output] = y;
    skip[fold_into[i]] = true;
  }
  std::vector<int64_t> outs;
  for (int64_t id : graph.outputs()) outs.push_back(map[id]);
  out.set_outputs(outs);
  return out;
}

}  // namespace janus
