// The Keras functional API's symbolic tensors. keras::Input(shape) starts a graph; calling a
// layer on a KerasTensor builds the layer for that shape and returns the KerasTensor of its
// output; keras::Model(inputs, outputs) collects the calls between them into a model that
// compiles to the same core Graph as a Sequential. Shapes are Keras' (no batch axis).
//
//   auto x = keras::Input({32, 32, 3});
//   auto y = kl::Conv2D(32, {3, 3}).padding("same")(x);     // layer(x), as in Keras
//   auto z = kl::Add()({x2, y});                            // merge layers take a list
#pragma once

#include <janus/core/shape.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace janus::keras {

namespace layers {
class Layer;
}

struct KerasNode;

// A cheap handle on one node's output: copies refer to the same symbolic value.
class KerasTensor {
 public:
  KerasTensor() = default;
  explicit KerasTensor(std::shared_ptr<const KerasNode> node) : node_(std::move(node)) {}
  bool defined() const { return node_ != nullptr; }
  // Keras' shape without the batch axis: (H, W, C) or (features).
  const Shape& shape() const;
  // The layer whose call produced this tensor (an InputLayer for keras::Input).
  const std::shared_ptr<layers::Layer>& layer() const;
  const std::shared_ptr<const KerasNode>& node() const { return node_; }

 private:
  std::shared_ptr<const KerasNode> node_;
};

// One call of a layer: its inputs (none for an InputLayer), its output shape, Keras' node
// index (the how-manieth call of this layer it is, printed in summary()'s "Connected to")
// and a sequence number in call order (the order in which Model names its layers).
struct KerasNode {
  std::shared_ptr<layers::Layer> layer;
  std::vector<KerasTensor> inputs;
  Shape shape;
  int64_t node_index = 0;
  uint64_t sequence = 0;
};

// keras.Input(shape, name): a symbolic input, channels-last for images ((H, W, C) or
// (features)). Its InputLayer is named "input_layer", "input_layer_1", ... by the Model
// unless `name` is given.
KerasTensor Input(const Shape& shape, const std::string& name = "");

// Model(inputs, outputs) takes one tensor or a list: Model(x, y), Model({a, b}, y).
class KerasTensors {
 public:
  KerasTensors(const KerasTensor& t) : items_{t} {}                          // NOLINT: implicit
  KerasTensors(std::initializer_list<KerasTensor> l) : items_(l) {}           // NOLINT: implicit
  KerasTensors(std::vector<KerasTensor> v) : items_(std::move(v)) {}          // NOLINT: implicit
  const std::vector<KerasTensor>& items() const { return items_; }

 private:
  std::vector<KerasTensor> items_;
};

}  // namespace janus::keras
