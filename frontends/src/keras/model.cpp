// keras::Sequential: building with shape checks, the internal module tree, tracing into a
// Graph, and weights in Keras names and layouts.
#include <janus/core/autograd.h>
#include <janus/core/ops.h>
#include <janus/core/safetensors.h>
#include <janus/keras/model.h>

#include "keras_internal.h"

namespace janus::keras {

Sequential::Sequential(std::string name) : name_(std::move(name)), root_(std::make_shared<nn::Module>("Sequential")) {}

Sequential::Sequential(std::initializer_list<LayerRef> layers, std::string name) : Sequential(std::move(name)) {
  for (const LayerRef& l : layers) add(l);
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
  layers_.push_back(layer);
  has_graph_ = false;
  return *this;
}

std::shared_ptr<layers::Layer> Sequential::get_layer(const std::string& name) const {
  for (const auto& l : layers_)
    if (l->name() == name) return l;
  return nullptr;
}

const Shape& Sequential::input_shape() const {
  JANUS_CHECK(!layers_.empty(), "Sequential: the model has no layers yet (add an Input first)");
  return layers_.front()->output_shape();
}

const Shape& Sequential::output_shape() const {
  JANUS_CHECK(!layers_.empty(), "Sequential: the model has no layers yet (add an Input first)");
  return layers_.back()->output_shape();
}

// Keras is channels-last at both boundaries: Input permutes an (N, H, W, C) batch to the
// internal (N, C, H, W), and an image output is permuted back here -- an explicit
// nchw_to_nhwc node mirroring the input's, so model(x), predict() and the targets of
// fit()/evaluate() are (N, H, W, C) as output_shape() says.
Tensor Sequential::forward_layers(const Tensor& x, const RunContext& ctx) {
  Tensor h = x;
  for (const auto& l : layers_) h = l->call(h, ctx);
  return h.dim() == 4 ? nchw_to_nhwc(h) : h;
}

std::string Sequential::trainable_signature() const {
  std::string s;
  for (const auto& l : layers_) s += l->trainable() ? '1' : '0';
  return s;
}

// Traced in training mode on a zero batch of 2; nodes that ignore the mode (a frozen BN's
// statistics source) carry it as attributes. Parameters and buffers are shared handles.
// fuse_norm_relu turns BatchNormalization -> ReLU into one fused normalize node (the same
// numbers in fit() and predict(), one op fewer), as torch::compile does.
void Sequential::ensure_graph() {
  JANUS_CHECK(!layers_.empty(), "Sequential: the model has no layers");
  if (has_graph_ && graph_signature_ == trainable_signature()) return;
  Shape example{2};
  for (int64_t v : input_shape()) example.push_back(v);
  const Graph traced =
      trace([this](const std::vector<Tensor>& in) { return std::vector<Tensor>{forward_layers(in[0], {true})}; },
            {zeros(example)}, root_->named_parameters(), root_->named_buffers(), TraceOptions().training(true));
  graph_ = fuse_norm_relu(traced);
  graph_signature_ = trainable_signature();
  has_graph_ = true;
}

const Graph& Sequential::graph() {
  ensure_graph();
  return graph_;
}

Tensor Sequential::operator()(const Tensor& x, bool training) {
  ensure_graph();
  return graph_.forward(x, RunContext{training});
}

NamedTensors Sequential::get_weights() const {
  NamedTensors out;
  for (const auto& l : layers_)
    for (auto& [n, t] : l->get_weights()) out.emplace_back(l->name() + "/" + n, t);
  return out;
}

void Sequential::set_weights(const NamedTensors& weights) {
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

// Keras 3 writes "*.weights.h5" as HDF5; janus' weight files are safetensors, so an .h5 name
// is refused rather than given bytes Keras (and h5py) cannot read.
void refuse_h5(const std::string& path, const char* who) {
  const bool h5 = path.size() >= 3 && (path.compare(path.size() - 3, 3, ".h5") == 0 ||
                                       (path.size() >= 5 && path.compare(path.size() - 5, 5, ".hdf5") == 0));
  JANUS_CHECK(!h5, "{}: \"{}\" names an HDF5 file (Keras 3's .weights.h5 layout), which janus does not write or "
              "read; use a .safetensors name (Keras names such as \"conv2d/kernel\" in Keras layouts, readable "
              "with the safetensors package)", who, path);
}

}  // namespace

void Sequential::save_weights(const std::string& path) const {
  refuse_h5(path, "save_weights");
  save_safetensors(path, get_weights(), {{"format", "keras"}, {"model", name_}});
}

void Sequential::load_weights(const std::string& path) {
  refuse_h5(path, "load_weights");
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

int64_t Sequential::count_params() const {
  int64_t n = 0;
  for (const auto& l : layers_) n += l->trainable_params() + l->non_trainable_params();
  return n;
}

optim::Optimizer& Sequential::optimizer() { return compiled_optimizer().core(); }

optimizers::CompiledOptimizer& Sequential::compiled_optimizer() {
  JANUS_CHECK(optimizer_ != nullptr, "Sequential: the model has no optimizer; call compile() first");
  return *optimizer_;
}

}  // namespace janus::keras
