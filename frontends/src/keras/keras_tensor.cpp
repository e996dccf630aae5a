// The functional API's symbolic calls: keras::Input(), layer(x) (build on the first call,
// shape checks, shared weights on the later ones), and merge-layer defaults of the base.
#include <janus/keras/keras_tensor.h>
#include <janus/keras/layers.h>

#include "keras_internal.h"

#include <atomic>

namespace janus::keras {

namespace {

// Call order across all graphs: Model names its layers in the order they were first called.
std::atomic<uint64_t> next_sequence{0};

std::string shapes_text(const std::vector<Shape>& shapes) {
  std::string out;
  for (size_t i = 0; i < shapes.size(); ++i) out += (i ? ", " : "") + keras_shape(shapes[i]);
  return shapes.size() == 1 ? out : "[" + out + "]";
}

}  // namespace

const Shape& KerasTensor::shape() const {
  JANUS_CHECK(node_ != nullptr, "KerasTensor: the tensor is undefined (make one with keras::Input or a layer call)");
  return node_->shape;
}

const std::shared_ptr<layers::Layer>& KerasTensor::layer() const {
  JANUS_CHECK(node_ != nullptr, "KerasTensor: the tensor is undefined (make one with keras::Input or a layer call)");
  return node_->layer;
}

KerasTensor Input(const Shape& shape, const std::string& name) {
  auto layer = std::make_shared<layers::Input>(shape);
  if (!name.empty()) layer->set_name(name);
  layer->build({});
  auto node = std::make_shared<KerasNode>();
  node->layer = layer;
  node->shape = layer->output_shape();
  node->sequence = next_sequence++;
  return KerasTensor(node);
}

}  // namespace janus::keras

namespace janus::keras::layers {

std::shared_ptr<Layer> Layer::clone() const {
  JANUS_FAIL("{}: this layer class does not define clone(), so it cannot be called by value in the functional "
             "API; hold it in a std::shared_ptr (auto l = std::make_shared<{}>(...); (*l)(x)) or define clone()",
             describe(), class_name());
}

Shape Layer::build_many(const std::vector<Shape>& input_shapes) {
  JANUS_CHECK(input_shapes.size() == 1, "{}: takes one input (got a list of {}: {})", describe(),
              input_shapes.size(), shapes_text(input_shapes));
  return build(input_shapes[0]);
}

Tensor Layer::call_many(const std::vector<Tensor>& xs, const RunContext& ctx) {
  JANUS_CHECK(xs.size() == 1, "{}: takes one input (got {})", describe(), xs.size());
  return call(xs[0], ctx);
}

std::vector<Shape> Layer::built_input_shapes() const {
  if (!many_input_shapes_.empty()) return many_input_shapes_;
  return {input_shape_};
}

KerasTensor Layer::operator()(const KerasTensor& x) { return (*this)(std::vector<KerasTensor>{x}); }

KerasTensor Layer::operator()(const std::vector<KerasTensor>& inputs) {
  // The graph needs a shared handle: this layer itself when a shared_ptr owns it, otherwise
  // the copy made at its first call by value (remembered, so that later calls share it).
  if (std::shared_ptr<Layer> self = weak_from_this().lock()) return self->call_symbolic(inputs);
  if (!call_copy_.layer) call_copy_.layer = clone();
  return call_copy_.layer->call_symbolic(inputs);
}

KerasTensor Layer::call_symbolic(const std::vector<KerasTensor>& inputs) {
  JANUS_CHECK(!dynamic_cast<const Input*>(this), "{}: an InputLayer cannot be called; keras::Input(shape) makes "
              "the model's input tensor", describe());
  JANUS_CHECK(!inputs.empty(), "{}: called on an empty list of inputs", describe());
  std::vector<Shape> shapes;
  for (size_t i = 0; i < inputs.size(); ++i) {
    JANUS_CHECK(inputs[i].defined(), "{}: input {} is an undefined KerasTensor (make one with keras::Input or a "
                "layer call)", describe(), i);
    shapes.push_back(inputs[i].shape());
  }
  if (takes_many_inputs()) {
    JANUS_CHECK(inputs.size() >= 2, "{}: a merge layer needs a list of at least 2 inputs (got {}: {}); call it as "
                "layer({{a, b}})", describe(), inputs.size(), shapes_text(shapes));
  } else {
    JANUS_CHECK(inputs.size() == 1, "{}: takes one input (got a list of {}: {}); merge them first with Add or "
                "Concatenate", describe(), inputs.size(), shapes_text(shapes));
  }
  if (!built_) {
    try {
      if (takes_many_inputs()) {
        build_many(shapes);
        many_input_shapes_ = shapes;
      } else {
        build(shapes[0]);
      }
    } catch (const Error& e) {
      JANUS_FAIL("{} called on {}: {}", describe(), shapes_text(shapes), e.what());
    }
  } else {
    // Keras' shared layer: the same weights on another call, so the same input shapes.
    const std::vector<Shape> built_for = built_input_shapes();
    JANUS_CHECK(shapes == built_for, "{}: this layer is already built for input {} and is now called on {}; a "
                "layer called again shares its weights, so it needs the same input shapes (use a new layer "
                "for other shapes)", describe(), shapes_text(built_for), shapes_text(shapes));
  }
  auto node = std::make_shared<KerasNode>();
  node->layer = shared_from_this();
  node->inputs = inputs;
  node->shape = output_shape_;
  node->node_index = symbolic_calls_++;
  node->sequence = next_sequence++;
  return KerasTensor(node);
}

nn::Module& Layer::built_module(const char* what) const {
  JANUS_CHECK(module_ != nullptr, "{}: {} needs the layer's weights, but the layer is not built (a layer passed by "
              "value to Sequential or called by value is copied into the model: use model.get_layer(\"name\"), "
              "or hold the layer in a std::shared_ptr)", describe(), what);
  return *module_;
}

}  // namespace janus::keras::layers
