// keras::Model and Sequential: Sequential's building with shape checks, the internal module
// tree, running the nodes, tracing into a Graph, and weights in Keras names and layouts.
#include <janus/core/autograd.h>
#include <janus/core/ops.h>
#include <janus/core/safetensors.h>
#include <janus/keras/model.h>

#include "keras_internal.h"

namespace janus::keras {

Model::Model(std::string name, const char* module_type)
    : name_(std::move(name)), root_(std::make_shared<nn::Module>(module_type)) {}

Sequential::Sequential(std::string name) : Model(std::move(name), "Sequential") {}

Sequential::Sequential(std::initializer_list<LayerRef> layers, std::string name) : Sequential(std::move(name)) {
  for (const LayerRef& l : layers) add(l);
}

LayerRef::LayerRef(const KerasTensor& input) {
  const auto* in = input.defined() ? dynamic_cast<const layers::Input*>(input.layer().get()) : nullptr;
  JANUS_CHECK(in != nullptr && input.node()->inputs.empty(), "Sequential: a KerasTensor in a layer list must be "
              "keras::Input(shape) (got {})", input.defined() ? "the output of " + input.layer()->class_name()
                                                              : std::string("an undefined tensor"));
  auto layer = std::make_shared<layers::Input>(in->shape());
  layer->set_name(in->name());
  ptr_ = layer;
}

Sequential& Sequential::add(const LayerRef& ref) {
  const std::shared_ptr<layers::Layer>& layer = ref.get();
  JANUS_CHECK(layer != nullptr, "Sequential.add: the layer is null");
  JANUS_CHECK(!layer->built(), "Sequential.add: layer \"{}\" is already part of a model", layer->name());
  const bool is_input = dynamic_cast<layers::Input*>(layer.get()) != nullptr;
  JANUS_CHECK(layers_.empty() == is_input,
              layers_.empty() ? "Sequential.add: the first layer must be Input(shape) (got {}); janus builds each "
                                "layer as it is added, so it needs the input shape first"
                              : "Sequential.add: Input may only be the first layer (got a second one: {})",
              layer->class_name());
  // Keras' automatic names: conv2d, conv2d_1, ...
  const bool auto_named = layer->name().empty();
  if (auto_named) {
    const int n = name_counts_[layer->base_name()];
    layer->set_name(n == 0 ? layer->base_name() : fmt::format("{}_{}", layer->base_name(), n));
  }
  JANUS_CHECK(!get_layer(layer->name()), "Sequential.add: a layer named \"{}\" already exists", layer->name());
  const Shape in = layers_.empty() ? Shape{} : layers_.back()->output_shape();
  try {
    layer->build(in);
  } catch (const Error& e) {
    const std::string name = layer->name();
    if (auto_named) layer->set_name("");  // a failed add leaves no trace
    JANUS_FAIL("Sequential.add: layer \"{}\" ({}) cannot follow \"{}\" with output shape {}: {}", name,
               layer->class_name(), layers_.empty() ? "" : layers_.back()->name(), keras_shape(in), e.what());
  }
  if (auto_named) ++name_counts_[layer->base_name()];
  if (layer->module()) root_->register_module(layer->name(), layer->module());
  Node node;
  node.layer = layer;
  node.shape = layer->output_shape();
  if (is_input) {
    node.input_position = 0;
    input_nodes_ = {0};
  } else {
    node.inputs = {nodes_.size() - 1};
  }
  nodes_.push_back(node);
  output_nodes_ = {nodes_.size() - 1};
  layers_.push_back(layer);
  has_graph_ = false;
  return *this;
}

std::shared_ptr<layers::Layer> Model::get_layer(const std::string& name) const {
  for (const auto& l : layers_)
    if (l->name() == name) return l;
  return nullptr;
}

const Shape& Model::input_shape() const {
  JANUS_CHECK(!input_nodes_.empty(), "model \"{}\" has no layers yet (add an Input first)", name_);
  JANUS_CHECK(input_nodes_.size() == 1, "model \"{}\" has {} inputs, so it has no single input_shape(); "
              "input_shapes() lists them, predict(std::vector<Tensor>{{...}}) takes them", name_, input_nodes_.size());
  return nodes_[input_nodes_[0]].shape;
}

const Shape& Model::output_shape() const {
  JANUS_CHECK(!output_nodes_.empty(), "model \"{}\" has no layers yet (add an Input first)", name_);
  JANUS_CHECK(output_nodes_.size() == 1, "model \"{}\" has {} outputs, so it has no single output_shape(); "
              "output_shapes() lists them, predict(std::vector<Tensor>{{...}}) returns them", name_,
              output_nodes_.size());
  return nodes_[output_nodes_[0]].shape;
}

std::vector<Shape> Model::input_shapes() const {
  std::vector<Shape> out;
  for (size_t i : input_nodes_) out.push_back(nodes_[i].shape);
  return out;
}

std::vector<Shape> Model::output_shapes() const {
  std::vector<Shape> out;
  for (size_t i : output_nodes_) out.push_back(nodes_[i].shape);
  return out;
}

// The nodes in order, each on the values of the nodes it reads. Keras is channels-last at
// both boundaries: an InputLayer permutes an (N, H, W, C) batch to the internal (N, C, H, W),
// and an image output is permuted back here -- an explicit nchw_to_nhwc node mirroring the
// input's, so model(x), predict() and the targets of fit()/evaluate() are (N, H, W, C) as
// output_shape() says.
std::vector<Tensor> Model::forward_nodes(const std::vector<Tensor>& xs, const RunContext& ctx) {
  JANUS_CHECK(xs.size() == input_nodes_.size(), "model \"{}\": expected {} inputs (got {})", name_,
              input_nodes_.size(), xs.size());
  std::vector<Tensor> value(nodes_.size());
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const Node& n = nodes_[i];
    if (n.input_position >= 0) {
      value[i] = n.layer->call(xs[static_cast<size_t>(n.input_position)], ctx);
    } else if (n.layer->takes_many_inputs()) {
      std::vector<Tensor> args;
      for (size_t j : n.inputs) args.push_back(value[j]);
      value[i] = n.layer->call_many(args, ctx);
    } else {
      value[i] = n.layer->call(value[n.inputs[0]], ctx);
    }
  }
  std::vector<Tensor> out;
  for (size_t o : output_nodes_) out.push_back(value[o].dim() == 4 ? nchw_to_nhwc(value[o]) : value[o]);
  return out;
}

std::string Model::trainable_signature() const {
  std::string s;
  for (const auto& l : layers_) s += l->trainable() ? '1' : '0';
  return s;
}

// Traced in training mode on a zero batch of 2; nodes that ignore the mode (a frozen BN's
// statistics source) carry it as attributes. Parameters and buffers are shared handles.
// fuse_norm_relu turns BatchNormalization -> ReLU into one fused normalize node (the same
// numbers in fit() and predict(), one op fewer), as torch::compile does.
void Model::ensure_graph() {
  JANUS_CHECK(!layers_.empty(), "model \"{}\" has no layers", name_);
  if (has_graph_ && graph_signature_ == trainable_signature()) return;
  std::vector<Tensor> examples;
  for (const Shape& s : input_shapes()) {
    Shape example{2};
    for (int64_t v : s) example.push_back(v);
    examples.push_back(zeros(example));
  }
  const Graph traced = trace([this](const std::vector<Tensor>& in) { return forward_nodes(in, {true}); }, examples,
                             root_->named_parameters(), root_->named_buffers(), TraceOptions().training(true));
  graph_ = fuse_norm_relu(traced);
  graph_signature_ = trainable_signature();
  has_graph_ = true;
}

const Graph& Model::graph() {
  ensure_graph();
  return graph_;
}

Tensor Model::operator()(const Tensor& x, bool training) {
  input_shape();   // one input and one output, or a janus::Error saying so
  output_shape();
  ensure_graph();
  return graph_.forward(x, RunContext{training});
}

std::vector<Tensor> Model::operator()(const std::vector<Tensor>& xs, bool training) {
  ensure_graph();
  JANUS_CHECK(xs.size() == input_nodes_.size(), "model \"{}\": expected {} inputs (got {})", name_,
              input_nodes_.size(), xs.size());
  return graph_.forward(xs, RunContext{training});
}

NamedTensors Model::get_weights() const {
  NamedTensors out;
  for (const auto& l : layers_)
    for (auto& [n, t] : l->get_weights()) out.emplace_back(l->name() + "/" + n, t);
  return out;
}

void Model::set_weights(const NamedTensors& weights) {
  std::vector<bool> used(weights.size(), false);
  for (const auto& l : layers_) {
    NamedTensors mine;
    const std::string prefix = l->name() + "/";
    for (size_t i = 0; i < weights.size(); ++i)
      if (weights[i].first.rfind(prefix, 0) == 0) {
        mine.emplace_back(weights[i].first.substr(prefix.size()), weights[i].second);
        used[i] = true;
      }
    if (!mine.empty() || !l->get_weights().empty()) l->set_weights(mine);
  }
  for (size_t i = 0; i < weights.size(); ++i)
    JANUS_CHECK(used[i], "set_weights: \"{}\" matches no layer of model \"{}\"", weights[i].first, name_);
}

namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// An HDF5 or Keras archive name that is not Keras 3's weights file name is refused rather
// than given bytes Keras (and h5py) would not read as its name promises.
void refuse_other_keras_names(const std::string& path, const char* who) {
  const bool h5 = ends_with(path, ".h5") || ends_with(path, ".hdf5") || ends_with(path, ".keras");
  JANUS_CHECK(!h5, "{}: \"{}\" is not a name janus writes or reads: Keras 3 keeps weights alone only in files "
              "named *.weights.h5 (its HDF5 layout, which janus writes and reads); the legacy whole-model .h5 and "
              ".keras archives hold more than weights. Use a name ending in .weights.h5, or .safetensors", who, path);
}

}  // namespace

void Model::save_weights(const std::string& path) const {
  if (is_keras_weights_h5(path)) return save_weights_h5(path);
  refuse_other_keras_names(path, "save_weights");
  save_safetensors(path, get_weights(), {{"format", "keras"}, {"model", name_}});
}

void Model::load_weights(const std::string& path) {
  if (is_keras_weights_h5(path)) return load_weights_h5(path);
  refuse_other_keras_names(path, "load_weights");
  set_weights(load_safetensors(path));
}

void Scores::add(const std::string& name, double value) {
  names_.push_back(name);
  values_.push_back(value);
}

double Scores::operator[](size_t i) const {
  JANUS_CHECK(i < values_.size(), "evaluate: score[{}] is out of range: the scores are {} values (the loss, then "
              "the metrics in compile's order)", i, values_.size());
  return values_[i];
}

double Scores::at(const std::string& name) const {
  std::string have;
  for (size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return values_[i];
    have += (i ? ", " : "") + names_[i];
  }
  JANUS_FAIL("evaluate: no score named \"{}\" (the scores are: {})", name, have);
}

Logs Scores::as_dict() const {
  Logs out;
  for (size_t i = 0; i < names_.size(); ++i) out[names_[i]] = values_[i];
  return out;
}

int64_t Model::count_params() const {
  int64_t n = 0;
  for (const auto& l : layers_) n += l->trainable_params() + l->non_trainable_params();
  return n;
}

optim::Optimizer& Model::optimizer() { return compiled_optimizer().core(); }

optimizers::CompiledOptimizer& Model::compiled_optimizer() {
  JANUS_CHECK(optimizer_ != nullptr, "model \"{}\" has no optimizer; call compile() first", name_);
  return *optimizer_;
}

}  // namespace janus::keras
