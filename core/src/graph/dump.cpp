// The canonical text form of a Graph. Inputs and node outputs are numbered %0, %1, ... in
// order; parameters, buffers and constants print by name (or, with names off, as @p0 / @b0
// / @c0 in order of first use), each node on one line with its attributes and shape:
//   %3 = conv2d(%0, @features.0.weight, _) {stride=1, padding=1, dilation=1, groups=1} : [8, 32, 32, 32]
#include <janus/core/graph.h>

#include <fmt/format.h>

#include <map>

namespace janus {

namespace {

const char* kind_word(ValueKind k) {
  switch (k) {
    case ValueKind::kParameter: return "param";
    case ValueKind::kBuffer: return "buffer";
    case ValueKind::kConstant: return "const";
    default: return "value";
  }
}

const char* mode_word(NodeMode m) {
  switch (m) {
    case NodeMode::kTraining: return " [training]";
    case NodeMode::kInference: return " [inference]";
    default: return "";
  }
}

}  // namespace

std::string Graph::dump(const DumpOptions& options) const {
  // Reference text of every value.
  std::vector<std::string> ref(values_.size());
  int64_t numbered = 0;
  for (size_t i = 0; i < values_.size(); ++i) {
    const ValueKind k = values_[i].kind;
    if (k == ValueKind::kInput || k == ValueKind::kOp) ref[i] = fmt::format("%{}", numbered++);
    else if (options.names_) ref[i] = "@" + values_[i].name;
  }
  // Named values in the order they are listed: by first use, then the unused ones.
  std::vector<int64_t> listed;
  std::vector<bool> seen(values_.size(), false);
  for (const GraphNode& node : nodes_)
    for (int64_t id : node.inputs)
      if (id >= 0 && tensors_[id].defined() && !seen[id]) {
        seen[id] = true;
        listed.push_back(id);
      }
  for (size_t i = 0; i < values_.size(); ++i)
    if (tensors_[i].defined() && !seen[i]) listed.push_back(static_cast<int64_t>(i));
  if (!options.names_) {
    std::map<ValueKind, int> counter;
    for (int64_t id : listed) {
      const ValueKind k = values_[id].kind;
      const char letter = k == ValueKind::kParameter ? 'p' : k == ValueKind::kBuffer ? 'b' : 'c';
      ref[id] = fmt::format("@{}{}", letter, counter[k]++);
    }
  }

  std::string out = "graph(";
  for (size_t i = 0; i < inputs_.size(); ++i)
    out += fmt::format("{}{}: {}", i ? ", " : "", ref[inputs_[i]], shape_str(values_[inputs_[i]].shape));
  out += ") {\n";
  for (int64_t id : listed) {
    out += fmt::format("  {}: {} {}{}\n", ref[id], kind_word(values_[id].kind), shape_str(values_[id].shape),
                       seen[id] ? "" : " (unused)");
  }
  for (const GraphNode& node : nodes_) {
    std::string args;
    for (size_t i = 0; i < node.inputs.size(); ++i)
      args += (i ? ", " : "") + (node.inputs[i] < 0 ? std::string("_") : ref[node.inputs[i]]);
    const std::string attrs = node.attrs.items().empty() ? "" : " {" + node.attrs.str() + "}";
    out += fmt::format("  {} = {}({}){}{} : {}\n", ref[node.output], node.kind, args, attrs, mode_word(node.mode),
                       shape_str(values_[node.output].shape));
  }
  std::string rets;
  for (size_t i = 0; i < outputs_.size(); ++i) rets += (i ? ", " : "") + ref[outputs_[i]];
  out += "  return " + rets + "\n}\n";
  return out;
}

}  // namespace janus
