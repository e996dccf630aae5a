// keras::layers::Layer, the base of the Keras-style layers. A layer is described with
// Keras' argument names and defaults, then built by Sequential::add() for the shape that
// reaches it (channels-last, without the batch axis, as Keras prints it). Building checks
// the shape and creates the weights inside a layers-library module; calling runs on
// janus' internal channels-first (NCHW) tensors. get_weights()/set_weights() speak Keras'
// names and layouts ("kernel" (kh, kw, in, out), "bias", "gamma", "moving_mean", ...).
// In the functional API a layer is called on symbolic tensors instead: layer(x) builds it
// for x's shape on its first call; calling the same layer again shares its weights.
#pragma once

#include <janus/core/op.h>
#include <janus/core/tensor.h>
#include <janus/keras/keras_tensor.h>
#include <janus/layers/module.h>

#include <memory>
#include <string>
#include <vector>

namespace janus::keras::layers {

class Layer : public std::enable_shared_from_this<Layer> {
 public:
  virtual ~Layer() = default;
  Layer() = default;
  Layer(const Layer&) = default;
  Layer& operator=(const Layer&) = default;

  // A copy of this layer as it was described (each concrete class returns its own type).
  // The functional API keeps such a copy of a layer that is called by value.
  virtual std::shared_ptr<Layer> clone() const;

  // "Conv2D" and its snake-case base name "conv2d" (Sequential numbers repeats: conv2d_1).
  virtual std::string class_name() const = 0;
  virtual std::string base_name() const = 0;
  const std::string& name() const { return name_; }
  void set_name(const std::string& name) { name_ = name; }

  // Creates the weights for `input_shape` (channels-last, no batch axis) and returns the
  // output shape; throws janus::Error naming the layer when the shape does not fit.
  virtual Shape build(const Shape& input_shape) = 0;
  // The computation on internal (channels-first) tensors.
  virtual Tensor call(const Tensor& x, const RunContext& ctx) = 0;
  // Merge layers (Add, Concatenate) take a list of inputs: they answer true and implement
  // build_many() / call_many(); the others take exactly one input.
  virtual bool takes_many_inputs() const { return false; }
  virtual Shape build_many(const std::vector<Shape>& input_shapes);
  virtual Tensor call_many(const std::vector<Tensor>& xs, const RunContext& ctx);

  // The functional API (keras_tensor.h): builds the layer on its first call (for the
  // inputs' shapes) and returns its symbolic output. Every later call reuses the same
  // weights (Keras' shared layers) and must see the same input shapes. A layer called by
  // value (kl::Dense(10)(x)) is copied once into the graph and this object remembers the
  // copy, so calling it again shares it too; model.get_layer(name) reaches the copy (or
  // hold the layer in a std::shared_ptr). Throws janus::Error naming the layer and shapes.
  KerasTensor operator()(const KerasTensor& x);
  KerasTensor operator()(const std::vector<KerasTensor>& inputs);
  // The input shapes the layer was built for (one per input).
  std::vector<Shape> built_input_shapes() const;

  // The layers-library module holding the weights (null for layers without any).
  std::shared_ptr<nn::Module> module() const { return module_; }
  // Weights in Keras' names and layouts (copies), and their inverse.
  virtual NamedTensors get_weights() const;
  virtual void set_weights(const NamedTensors& weights);

  // Keras' layer.trainable: false freezes the weights and puts BN in inference mode.
  // Takes effect in a model at its next compile()/fit().
  virtual void set_trainable(bool trainable);
  bool trainable() const { return trainable_; }
  // Element counts as summary() prints them.
  int64_t trainable_params() const;
  int64_t non_trainable_params() const;

  bool built() const { return built_; }
  const Shape& input_shape() const { return input_shape_; }
  const Shape& output_shape() const { return output_shape_; }

 protected:
  // Records the shapes once build() succeeded.
  Shape finish_build(const Shape& input_shape, const Shape& output_shape);
  // "conv2d (Conv2D)" for messages.
  std::string describe() const;
  // The weights' module; throws janus::Error naming `what` when the layer is not built.
  nn::Module& built_module(const char* what) const;
  std::shared_ptr<nn::Module> module_;
  bool trainable_ = true;

 private:
  // A pointer whose copies start empty: a copied layer does not inherit the original's
  // functional copy.
  struct CallCopy {
    CallCopy() = default;
    CallCopy(const CallCopy&) {}
    CallCopy& operator=(const CallCopy&) { return *this; }
    std::shared_ptr<Layer> layer;
  };
  KerasTensor call_symbolic(const std::vector<KerasTensor>& inputs);

  std::string name_;
  bool built_ = false;
  Shape input_shape_, output_shape_;
  std::vector<Shape> many_input_shapes_;  // merge layers: every input's shape
  int64_t symbolic_calls_ = 0;
  CallCopy call_copy_;
};

// Applies a Keras activation by name ("", "linear", "relu", "sigmoid", "tanh", "softmax")
// on an internal tensor (softmax over the channel axis 1). Throws for unknown names.
Tensor apply_activation(const std::string& activation, const Tensor& x, const std::string& layer);
void check_activation(const std::string& activation, const std::string& layer);

// Fills `t` (a kernel in janus' layout (out, in, kh, kw) / (out, in), or a bias) with the
// Keras initializer `name`: "glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
// "lecun_uniform", "lecun_normal" (fans from the kernel, as Keras computes them; the
// normal ones are truncated at two standard deviations, as Keras' VarianceScaling),
// "zeros", "ones", "random_normal" (stddev 0.05), "random_uniform" (+-0.05),
// "truncated_normal" (stddev 0.05). Draws from `gen` (the default generator when null).
// Throws janus::Error naming `layer` for an unknown name.
void initialize(Tensor t, const std::string& name, const std::string& layer, Generator* gen = nullptr);
void check_initializer(const std::string& name, const std::string& layer);

}  // namespace janus::keras::layers
