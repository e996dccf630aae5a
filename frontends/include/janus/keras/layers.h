// The Keras-style layers, with Keras' argument names and defaults. Required arguments go
// to the constructor, the rest are chainable setters:
//
//   keras::layers::Conv2D(32, 3).padding("same").use_bias(false)
//   keras::layers::BatchNormalization().momentum(0.9).epsilon(1e-5)
//   keras::layers::MaxPooling2D(2)            // strides default to pool_size
//   keras::layers::Conv2D(32, {3, 5}, "relu")  // (h, w) pairs; activation as third argument
//   keras::layers::Dense(10, "softmax").kernel_initializer("he_normal")
//
// Shapes are channels-last without the batch axis, as Keras prints them: Input({32, 32, 3}).
#pragma once

#include <janus/core/size2.h>
#include <janus/keras/layer.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace janus::keras::layers {

// The model's input: shape (H, W, C) for images (converted to channels-first by an
// explicit nhwc_to_nchw node) or (features).
class Input : public Layer {
 public:
  explicit Input(Shape shape) : shape_(std::move(shape)) {}
  std::string class_name() const override { return "InputLayer"; }
  std::string base_name() const override { return "input_layer"; }
  std::shared_ptr<Layer> clone() const override { return std::make_shared<Input>(*this); }
  Shape build(const Shape& input_shape) override;
  Tensor call(const Tensor& x, const RunContext& ctx) override;
  const Shape& shape() const { return shape_; }

 private:
  Shape shape_;
};

// Conv2D(filters, kernel_size, strides=1, padding="valid", activation=None, use_bias=True,
// kernel_initializer="glorot_uniform", bias_initializer="zeros"). kernel_size and strides
// are an int or an (h, w) pair: Conv2D(32, {3, 5}). padding "same" is supported where it
// is symmetric (odd kernel sizes, stride 1 on that axis).
class Conv2D : public Layer {
 public:
  Conv2D(int64_t filters, Size2 kernel_size, std::string activation = "")
      : filters_(filters), kernel_size_(kernel_size), activation_(std::move(activation)) {}
  Conv2D& strides(Size2 v) { strides_ = v; return *this; }
  Conv2D& padding(const std::string& v) { padding_ = v; return *this; }
  Conv2D& use_bias(bool v) { use_bias_ = v; return *this; }
  Conv2D& activation(const std::string& v) { activation_ = v; return *this; }
  // By Keras name: see initialize() in layer.h.
  Conv2D& kernel_initializer(const std::string& v) { kernel_initializer_ = v; return *this; }
  Conv2D& bias_initializer(const std::string& v) { bias_initializer_ = v; return *this; }
  std::string class_name() const override { return "Conv2D"; }
  std::string base_name() const override { return "conv2d"; }
  std::shared_ptr<Layer> clone() const override { return std::make_shared<Conv2D>(*this); }
  Shape build(const Shape& input_shape) override;
  Tensor call(const Tensor& x, const RunContext& ctx) override;
  NamedTensors get_weights() const override;        // kernel (kh, kw, in, out), bias (out)
  void set_weights(const NamedTensors& weights) override;

 private:
  int64_t filters_;
  Size2 kernel_size_, strides_ = 1;
  std::string padding_ = "valid", activation_;
  std::string kernel_initializer_ = "glorot_uniform", bias_initializer_ = "zeros";
  bool use_bias_ = true;
};

// Dense(units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
// bias_initializer="zeros") on a flat (features) input: Dense(10, "softmax").
class Dense : public Layer {
 public:
  explicit Dense(int64_t units, std::string activation = "") : units_(units), activation_(std::move(activation)) {}
  Dense& activation(const std::string& v) { activation_ = v; return *this; }
  Dense& use_bias(bool v) { use_bias_ = v; return *this; }
  Dense& kernel_initializer(const std::string& v) { kernel_initializer_ = v; return *this; }
  Dense& bias_initializer(const std::string& v) { bias_initializer_ = v; return *this; }
  std::string class_name() const override { return "Dense"; }
  std::string base_name() const override { return "dense"; }
  std::shared_ptr<Layer> clone() const override { return std::make_shared<Dense>(*this); }
  Shape build(const Shape& input_shape) override;
  Tensor call(const Tensor& x, const RunContext& ctx) override;
  NamedTensors get_weights() const override;        // kernel (in, out), bias (out)
  void set_weights(const NamedTensors& weights) override;

 private:
  int64_t units_;
  std::string activation_;
  std::string kernel_initializer_ = "glorot_uniform", bias_initializer_ = "zeros";
  bool use_bias_ = true;
};

// BatchNormalization(axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True):
// Keras' conventions (momentum is the weight of the OLD value, biased moving variance).
// Weights gamma, beta, moving_mean, moving_variance: 4C, of which 2C non-trainable.
class BatchNormalization : public Layer {
 public:
  BatchNormalization() = default;
  BatchNormalization& axis(int64_t v) { axis_ = v; return *this; }
  BatchNormalization& momentum(double v) { momentum_ = v; return *this; }
  BatchNormalization& epsilon(double v) { epsilon_ = v; return *this; }
  BatchNormalization& center(bool v) { center_ = v; return *this; }
  BatchNormalization& scale(bool v) { scale_ = v; return *this; }
  // Keras 3's synchronized=True: statistics over every replica's batch (here every rank of
  // the process group under mpirun: SyncBatchNorm); one process is unchanged.
  BatchNormalization& synchronized(bool v) { synchronized_ = v; return *this; }
  std::string class_name() const override { return "BatchNormalization"; }
  std::string base_name() const override { return "batch_normalization"; }
  std::shared_ptr<Layer> clone() const override { return std::make_shared<BatchNormalization>(*this); }
  Shape build(const Shape& input_shape) override;
  Tensor call(const Tensor& x, const RunContext& ctx) override;
  NamedTensors get_weights() const override;
  void set_weights(const NamedTensors& weights) override;

 private:
  int64_t axis_ = -1;
  double momentum_ = 0.99, epsilon_ = 1e-3;
  bool center_ = true, scale_ = true;
  bool synchronized_ = false;
};

// GroupNormalization(groups=32, epsilon=1e-3); groups=-1 is instance normalization.
class GroupNormalization : public Layer {
 public:
  explicit GroupNormalization(int64_t groups = 32) : groups_(groups) {}
  GroupNormalization& epsilon(double v) { epsilon_ = v; return *this; }
  GroupNormalization& center(bool v) { center_ = v; return *this; }
  GroupNormalization& scale(bool v) { scale_ = v; return *this; }
  std::string class_name() const override { return "GroupNormalization"; }
  std::string base_name() const override { return "group_normalization"; }
  std::shared_ptr<Layer> clone() const override { return std::make_shared<GroupNormalization>(*this); }
  Shape build(const Shape& input_shape) override;
  Tensor call(const Tensor& x, const RunContext& ctx) override;
  NamedTensors get_weights() const override;
  void set_weights(const NamedTensors& weights) override;

 protected:
  int64_t groups_;
  double epsilon_ = 1e-3;
  bool center_ = true, scale_ = true;
};

// Instance normalization: per sample and channel over (H, W), eps inside the square root
// (default 1e-3, Keras'), affine gamma/beta -- Keras' GroupNormalization(groups=-1) under the
// name of what it is. PyTorch's InstanceNorm2d(C, affine=True) is .epsilon(1e-5).
class InstanceNormalization : public GroupNormalization {
 public:
  InstanceNormalization() : GroupNormalization(-1) {}
  InstanceNormalization& epsilon(double v) { epsilon_ = v; return *this; }
  InstanceNormalization& center(bool v) { center_ = v; return *this; }
  InstanceNormalization& scale(bool v) { scale_ = v; return *this; }
  std::string class_name() const override { return "InstanceNormalization"; }
  std::string base_name() const override { return "instance_normalization"; }
  std::shared_ptr<Layer> clone() const override { return std::make_shared<InstanceNormalization>(*this); }
};

// The old name of InstanceNormalization, deprecated; it keeps its old layer names
// ("per_channel_normalization", ...) so that weights saved under them still load.
class [[deprecated("renamed keras::layers::InstanceNormalization (docs/normalization.md)")]] PerChannelNormalization
    : public InstanceNormalization {
 public:
  std::string class_name() const override { return "PerChannelNormalization"; }
  std::string base_name() const override { return "per_channel_normalization"; }
  std::shared_ptr<Layer> clone() const override { return std::make_shared<PerChannelNormalization>(*this); }
};

// The seeds' per-channel normalization as the Keras seed's Lambda computes it, channels-last:
// (x - mean) / (reduce_std + epsilon) per sample and channel over (H, W), epsilon 1e-7
// ADDED TO THE STD, biased std (.unbiased(true): the PyTorch seed's x.std()); no weights.
// The layers library's nn::PerChannelStdNorm inside.
class PerChannelStdNormalization : public Layer {
 public:
  PerChannelStdNormalization() = default;
  PerChannelStdNormalization& epsilon(double v) { epsilon_ = v; return *this; }
  PerChannelStdNormalization& unbiased(bool v) { unbiased_ = v; return *this; }
  std::string class_name() const override { return "PerChannelStdNormalization"; }
  std::string base_name() const override { return "per_channel_std_normalization"; }
  std::shared_ptr<Layer> clone() const override { return std::make_shared<PerChannelStdNormalization>(*this); }
  Shape build(const Shape& input_shape) override;
  Tensor call(const Tensor& x, const RunContext& ctx) override;

 private:
  double epsilon_ = 1e-7;
  bool unbiased_ = false;
};

// LayerNormalization(axis=-1, epsilon=1e-3): per position over the channel (last) axis.
// Inside, images are permuted to channels-last around it (explicit permute nodes).
class LayerNormalization : public Layer {
 public:
  LayerNormalization() = default;
  LayerNormalization& epsilon(double v) { epsilon_ = v; return *this; }
  LayerNormalization& center(bool v) { center_ = v; return *this; }
  LayerNormalization& scale(bool v) { scale_ = v; return *this; }
  std::string class_name() const override { return "LayerNormalization"; }
  std::string base_name() const override { return "layer_normalization"; }
  std::shared_ptr<Layer> clone() const override { return std::make_shared<LayerNormalization>(*this); }
  Shape build(const Shape& input_shape) override;
  Tensor call(const Tensor& x, const RunContext& ctx) override;
  NamedTensors get_weights() const override;
  void set_weights(const NamedTensors& weights) override;

 private:
  double epsilon_ = 1e-3;
  bool center_ = true, scale_ = true;
};

// MaxPooling2D(pool_size=2, strides=None -> pool_size, padding="valid") and the average
// version. padding "same" is accepted where it needs no padding (sizes divisible).
class Pooling2D : public Layer {
 public:
  Pooling2D(Size2 pool_size, bool max) : pool_size_(pool_size), max_(max) {}
  Shape build(const Shape& input_shape) override;
  Tensor call(const Tensor& x, const RunContext& ctx) override;

 protected:
  Size2 pool_size_, strides_ = 0;  // strides 0: pool_size
  std::string padding_ = "valid";
  bool max_;
};

// pool_size and strides: an int or an (h, w) pair, MaxPooling2D({2, 3}).
class MaxPooling2D : public Pooling2D {
 public:
  explicit MaxPooling2D(Size2 pool_size = 2) : Pooling2D(pool_size, true) {}
  MaxPooling2D& strides(Size2 v) { strides_ = v; return *this; }
  MaxPooling2D& padding(const std::string& v) { padding_ = v; return *this; }
  std::string class_name() const override { return "MaxPooling2D"; }
  std::string base_name() const override { return "max_pooling2d"; }
  std::shared_ptr<Layer> clone() const override { return std::make_shared<MaxPooling2D>(*this); }
};

class AveragePooling2D : public Pooling2D {
 public:
  explicit AveragePooling2D(Size2 pool_size = 2) : Pooling2D(pool_size, false) {}
  AveragePooling2D& strides(Size2 v) { strides_ = v; return *this; }
  AveragePooling2D& padding(const std::string& v) { padding_ = v; return *this; }
  std::string class_name() const override { return "AveragePooling2D"; }
  std::string base_name() const override { return "average_pooling2d"; }
  std::shared_ptr<Layer> clone() const override { return std::make_shared<AveragePooling2D>(*this); }
};

// (H, W, C) -> (C).
class GlobalAveragePooling2D : public Layer {
 public:
  std::string class_name() const override { return "GlobalAveragePooling2D"; }
  std::string base_name() const override { return "global_average_pooling2d"; }
  std::shared_ptr<Layer> clone() const override { return std::make_shared<GlobalAveragePooling2D>(*this); }
  Shape build(const Shape& input_shape) override;
  Tensor call(const Tensor& x, const RunContext& ctx) override;
};

// Flatten in Keras' (channels-last) order: an image is permuted NCHW -> NHWC by an explicit
// permute node before the reshape, so that a Dense kernel means what it means in Keras.
class Flatten : public Layer {
 public:
  std::string class_name() const override { return "Flatten"; }
  std::string base_name() const override { return "flatten"; }
  std::shared_ptr<Layer> clone() const override { return std::make_shared<Flatten>(*this); }
  Shape build(const Shape& input_shape) override;
  Tensor call(const Tensor& x, const RunContext& ctx) override;
};

// Dropout(rate): active in fit(), identity in evaluate()/predict().
class Dropout : public Layer {
 public:
  explicit Dropout(double rate) : rate_(rate) {}
  std::string class_name() const override { return "Dropout"; }
  std::string base_name() const override { return "dropout"; }
  std::shared_ptr<Layer> clone() const override { return std::make_shared<Dropout>(*this); }
  Shape build(const Shape& input_shape) override;
  Tensor call(const Tensor& x, const RunContext& ctx) override;

 private:
  double rate_;
};

// Activation("relu"), and ReLU().
class Activation : public Layer {
 public:
  explicit Activation(std::string activation) : activation_(std::move(activation)) {}
  std::string class_name() const override { return "Activation"; }
  std::string base_name() const override { return "activation"; }
  std::shared_ptr<Layer> clone() const override { return std::make_shared<Activation>(*this); }
  Shape build(const Shape& input_shape) override;
  Tensor call(const Tensor& x, const RunContext& ctx) override;

 private:
  std::string activation_;
};

// Lambda(function): a layer from a C++ function of janus ops on Keras' channels-last
// tensors -- (N, H, W, C) images or (N, features) -- traced into the graph like any layer
// (images are permuted around it by explicit layout nodes). The output shape is found by
// running the function once on a zero batch when the layer is built.
//
//   kl::Lambda([](const Tensor& x) { return x * 2.0f + 1.0f; })
class Lambda : public Layer {
 public:
  explicit Lambda(std::function<Tensor(const Tensor&)> function) : function_(std::move(function)) {}
  std::string class_name() const override { return "Lambda"; }
  std::string base_name() const override { return "lambda"; }
  std::shared_ptr<Layer> clone() const override { return std::make_shared<Lambda>(*this); }
  Shape build(const Shape& input_shape) override;
  Tensor call(const Tensor& x, const RunContext& ctx) override;

 private:
  std::function<Tensor(const Tensor&)> function_;
};

class ReLU : public Layer {
 public:
  std::string class_name() const override { return "ReLU"; }
  std::string base_name() const override { return "re_lu"; }
  std::shared_ptr<Layer> clone() const override { return std::make_shared<ReLU>(*this); }
  Shape build(const Shape& input_shape) override;
  Tensor call(const Tensor& x, const RunContext& ctx) override;
};

// Merge layers take a list of at least two inputs (the functional API): kl::Add()({a, b}).
// Add: the elementwise sum of inputs of one shape (janus does not broadcast; an error names
// both shapes). Concatenate(axis=-1): joins along a channels-last axis of the full tensor
// (-1 or rank-1: channels; 1, 2: height, width of an image), the other sizes equal.
class Add : public Layer {
 public:
  std::string class_name() const override { return "Add"; }
  std::string base_name() const override { return "add"; }
  std::shared_ptr<Layer> clone() const override { return std::make_shared<Add>(*this); }
  bool takes_many_inputs() const override { return true; }
  Shape build(const Shape& input_shape) override;
  Tensor call(const Tensor& x, const RunContext& ctx) override;
  Shape build_many(const std::vector<Shape>& input_shapes) override;
  Tensor call_many(const std::vector<Tensor>& xs, const RunContext& ctx) override;
};

class Concatenate : public Layer {
 public:
  explicit Concatenate(int64_t axis = -1) : axis_(axis) {}
  std::string class_name() const override { return "Concatenate"; }
  std::string base_name() const override { return "concatenate"; }
  std::shared_ptr<Layer> clone() const override { return std::make_shared<Concatenate>(*this); }
  bool takes_many_inputs() const override { return true; }
  Shape build(const Shape& input_shape) override;
  Tensor call(const Tensor& x, const RunContext& ctx) override;
  Shape build_many(const std::vector<Shape>& input_shapes) override;
  Tensor call_many(const std::vector<Tensor>& xs, const RunContext& ctx) override;

 private:
  int64_t axis_;
  int64_t internal_axis_ = 1;  // the axis in janus' channels-first tensor
};

}  // namespace janus::keras::layers
