// keras::Model(inputs, outputs): Keras' functional API. Walks the symbolic calls back from
// the outputs (depth first, as Keras' map_graph), checks the graph (every output computable
// from the inputs, every input used, unique names), orders the layers as Keras lists them
// (by depth from the outputs, then traversal order) and names the unnamed ones in call order.
#include <janus/keras/model.h>

#include "keras_internal.h"

#include <algorithm>
#include <map>
#include <set>

namespace janus::keras {

namespace {

std::string layer_text(const layers::Layer& l) {
  return l.name().empty() ? l.class_name() : fmt::format("\"{}\" ({})", l.name(), l.class_name());
}

}  // namespace

Model::Model(const KerasTensors& inputs_in, const KerasTensors& outputs_in, std::string name)
    : name_(std::move(name)), root_(std::make_shared<nn::Module>("Functional")), functional_(true) {
  const std::vector<KerasTensor>& inputs = inputs_in.items();
  const std::vector<KerasTensor>& outputs = outputs_in.items();
  const std::string who = fmt::format("Model \"{}\"", name_);
  JANUS_CHECK(!inputs.empty(), "{}: needs at least one input (keras::Input(shape))", who);
  JANUS_CHECK(!outputs.empty(), "{}: needs at least one output", who);
  std::map<const KerasNode*, size_t> input_position;
  for (size_t i = 0; i < inputs.size(); ++i) {
    JANUS_CHECK(inputs[i].defined(), "{}: input {} is an undefined KerasTensor", who, i);
    const KerasNode* n = inputs[i].node().get();
    JANUS_CHECK(n->inputs.empty(), "{}: input {} {} is the output of {}, not a keras::Input tensor; a model's inputs "
                "are made by keras::Input(shape)", who, i, keras_shape(n->shape), layer_text(*n->layer));
    JANUS_CHECK(input_position.emplace(n, i).second, "{}: input {} is listed twice (also as input {})", who, i,
                input_position[n]);
  }

  // Depth-first from each output, children in argument order; a node is placed after all
  // the nodes it reads (post-order), and each layer gets the index of its first visit
  // (Keras' traversal order, the tie-break of its layer order).
  std::map<const KerasNode*, size_t> placed;
  std::map<const layers::Layer*, size_t> first_visit;
  std::vector<const KerasNode*> order;
  for (size_t o = 0; o < outputs.size(); ++o) {
    JANUS_CHECK(outputs[o].defined(), "{}: output {} is an undefined KerasTensor", who, o);
    std::vector<std::pair<const KerasNode*, size_t>> stack{{outputs[o].node().get(), 0}};
    std::set<const KerasNode*> in_progress;
    while (!stack.empty()) {
      const KerasNode* n = stack.back().first;
      const size_t child = stack.back().second;
      if (child == 0) {
        if (placed.count(n)) {
          stack.pop_back();
          continue;
        }
        first_visit.emplace(n->layer.get(), first_visit.size());
        in_progress.insert(n);
        if (n->inputs.empty())
          JANUS_CHECK(input_position.count(n), "{}: output {} {} (from {}) is not reachable from the model's inputs: "
                      "it depends on the input {} {}, which is not one of them (Keras: \"Graph disconnected\"); "
                      "pass that input in Model's inputs too", who, o, keras_shape(outputs[o].shape()),
                      layer_text(*outputs[o].layer()), layer_text(*n->layer), keras_shape(n->shape));
      }
      const bool is_input = input_position.count(n) > 0;
      if (!is_input && child < n->inputs.size()) {
        ++stack.back().second;
        const KerasNode* c = n->inputs[child].node().get();
        JANUS_CHECK(!in_progress.count(c) || placed.count(c), "{}: the graph has a cycle through {}", who,
                    layer_text(*c->layer));
        if (!placed.count(c)) stack.emplace_back(c, 0);
        continue;
      }
      placed[n] = order.size();
      order.push_back(n);
      in_progress.erase(n);
      stack.pop_back();
    }
  }
  for (size_t i = 0; i < inputs.size(); ++i)
    JANUS_CHECK(placed.count(inputs[i].node().get()), "{}: input {} {} is not used by any output (Keras accepts this "
                "for losses added by hand, which janus does not have; drop the input or use it)", who, i,
                keras_shape(inputs[i].shape()));

  for (const KerasNode* n : order) {
    Node node;
    node.layer = n->layer;
    node.shape = n->shape;
    node.node_index = n->node_index;
    auto it = input_position.find(n);
    if (it != input_position.end()) {
      node.input_position = static_cast<int64_t>(it->second);
    } else {
      for (const KerasTensor& t : n->inputs) node.inputs.push_back(placed.at(t.node().get()));
    }
    nodes_.push_back(std::move(node));
  }
  for (const KerasTensor& t : inputs) input_nodes_.push_back(placed.at(t.node().get()));
  for (const KerasTensor& t : outputs) output_nodes_.push_back(placed.at(t.node().get()));

  // Keras' depths: an output node is at depth 0, a node at 1 + the deepest of its readers, a
  // layer at the deepest of its nodes; layers are listed deepest first, ties in traversal order.
  std::vector<int64_t> depth(nodes_.size(), 0);
  std::map<const layers::Layer*, int64_t> layer_depth;
  std::map<const layers::Layer*, std::shared_ptr<layers::Layer>> unique;
  for (size_t k = nodes_.size(); k-- > 0;) {
    const layers::Layer* l = nodes_[k].layer.get();
    const int64_t d = std::max(depth[k], layer_depth[l]);
    layer_depth[l] = d;
    depth[k] = d;
    for (size_t p : nodes_[k].inputs) depth[p] = std::max(depth[p], d + 1);
    unique[l] = nodes_[k].layer;
  }
  for (const auto& [l, ptr] : unique) layers_.push_back(ptr);
  std::sort(layers_.begin(), layers_.end(), [&](const auto& a, const auto& b) {
    const int64_t da = layer_depth[a.get()], db = layer_depth[b.get()];
    return da != db ? da > db : first_visit[a.get()] < first_visit[b.get()];
  });

  // Keras' "sequential-like" test (summary() drops "Connected to" for such a model): one node
  // per depth, none reading several tensors, no layer called twice.
  std::map<int64_t, int> per_depth;
  for (size_t k = 0; k < nodes_.size(); ++k) {
    ++per_depth[depth[k]];
    if (nodes_[k].inputs.size() > 1) sequential_like_ = false;
  }
  for (const auto& [d, count] : per_depth)
    if (count > 1) sequential_like_ = false;
  if (unique.size() != nodes_.size()) sequential_like_ = false;

  // Names: the given ones stay; the others get Keras' automatic names in call order.
  std::set<std::string> taken;
  for (const auto& l : layers_)
    if (!l->name().empty()) taken.insert(l->name());
  std::map<const layers::Layer*, uint64_t> first_call;
  for (const KerasNode* n : order) {
    auto [it, fresh] = first_call.emplace(n->layer.get(), n->sequence);
    if (!fresh) it->second = std::min(it->second, n->sequence);
  }
  std::vector<std::shared_ptr<layers::Layer>> by_call = layers_;
  std::sort(by_call.begin(), by_call.end(),
            [&](const auto& a, const auto& b) { return first_call[a.get()] < first_call[b.get()]; });
  std::map<std::string, int> counts;
  for (const auto& l : by_call) {
    if (!l->name().empty()) continue;
    std::string candidate;
    do {
      const int n = counts[l->base_name()]++;
      candidate = n == 0 ? l->base_name() : fmt::format("{}_{}", l->base_name(), n);
    } while (taken.count(candidate));
    l->set_name(candidate);
    taken.insert(candidate);
  }
  std::map<std::string, const layers::Layer*> by_name;
  for (const auto& l : layers_) {
    auto [it, fresh] = by_name.emplace(l->name(), l.get());
    JANUS_CHECK(fresh, "{}: two layers are named \"{}\" ({} and {}); layer names must be unique in a model", who,
                l->name(), it->second->class_name(), l->class_name());
  }
  for (const auto& l : layers_)
    if (l->module()) root_->register_module(l->name(), l->module());
}

}  // namespace janus::keras
