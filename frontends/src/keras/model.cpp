// keras::Sequential: building with shape checks, the internal module tree, tracing into a
// Graph, and weights in Keras names and layouts.
#include <janus/core/autograd.h>
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

Tensor Sequential::forward_layers(const Tensor& x, const RunContext& ctx) {
  Tensor h = x;
  for (const auto& l : layers_) h = l->call(h, ctx);
  return h;
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

void Sequential::save_weights(const std::string& path) const {
  save_safetensors(path, get_weights(), {{"format", "keras"}, {"model", name_}});
}

void Sequential::load_weights(const std::string& path) { set_weights(load_safetensors(path)); }

int64_t Sequential::count_params() const {
  int64_t n = 0;
  for (const auto& l : layers_) n += l->trainable_params() + l->non_trainable_params();
  return n;
}

std::string Sequential::summary_string() const {
  // Keras' Sequential layout: 65 characters, columns starting at 0, 29 and 55. A field too
  // wide for its column (less a gutter) continues on the next line, as Keras 2.9+ wraps
  // " batch_normalization (BatchN" / " ormalization)": the same 27-character pieces of the
  // first field, but every column starts at its position on every line (Keras' wrapped
  // rows start the shape one character late).
  auto row = [](const std::string& layer, const std::string& shape, const std::string& params) {
    constexpr size_t kStart[3] = {0, 29, 55};
    // Text per line: " " + 27 (then a 1-space gutter), 24 (then 2), the rest.
    constexpr size_t kWidth[3] = {27, 24, std::string::npos};
    std::string left[3] = {layer, shape, params};
    std::string out;
    while (!left[0].empty() || !left[1].empty() || !left[2].empty()) {
      std::string line;
      for (int col = 0; col < 3; ++col) {
        if (col > 0 && left[col].empty()) continue;
        const std::string piece = left[col].substr(0, kWidth[col]);
        left[col].erase(0, piece.size());
        line += std::string(kStart[col] - line.size(), ' ') + (col == 0 ? " " : "") + piece;
      }
      out += line + "\n";
    }
    return out;
  };
  auto commas = [](int64_t v) {
    std::string s = std::to_string(v);
    for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
    return s;
  };
  const std::string thin(65, '_'), thick(65, '=');
  std::string out = fmt::format("Model: \"{}\"\n{}\n", name_, thin);
  out += row("Layer (type)", "Output Shape", "Param #") + thick + "\n";
  int64_t trainable = 0, frozen = 0;
  bool first = true;
  for (const auto& l : layers_) {
    if (dynamic_cast<layers::Input*>(l.get())) continue;  // Keras does not list the InputLayer
    if (!first) out += "\n";
    first = false;
    const int64_t t = l->trainable_params(), f = l->non_trainable_params();
    trainable += t;
    frozen += f;
    out += row(fmt::format("{} ({})", l->name(), l->class_name()), keras_shape(l->output_shape()), commas(t + f));
  }
  out += thick + "\n";
  out += fmt::format("Total params: {}\nTrainable params: {}\nNon-trainable params: {}\n{}\n", commas(trainable + frozen),
                     commas(trainable), commas(frozen), thin);
  return out;
}

void Sequential::summary(std::ostream& os) const { os << summary_string(); }

optim::Optimizer& Sequential::optimizer() { return compiled_optimizer().core(); }

optimizers::CompiledOptimizer& Sequential::compiled_optimizer() {
  JANUS_CHECK(optimizer_ != nullptr, "Sequential: the model has no optimizer; call compile() first");
  return *optimizer_;
}

}  // namespace janus::keras
