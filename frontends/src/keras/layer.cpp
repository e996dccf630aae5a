// The Keras layer base: naming, trainable flags, parameter counts, activations.
#include <janus/core/ops.h>
#include <janus/keras/layer.h>

namespace janus::keras::layers {

NamedTensors Layer::get_weights() const { return {}; }

void Layer::set_weights(const NamedTensors& weights) {
  JANUS_CHECK(weights.empty(), "{}: this layer has no weights (got {})", describe(), weights.size());
}

void Layer::set_trainable(bool trainable) {
  trainable_ = trainable;
  if (module_) module_->set_trainable(trainable);
}

int64_t Layer::trainable_params() const {
  if (!module_ || !trainable_) return 0;
  int64_t n = 0;
  for (const Tensor& p : module_->parameters()) n += p.numel();
  return n;
}

int64_t Layer::non_trainable_params() const {
  if (!module_) return 0;
  int64_t n = 0;
  for (const Tensor& b : module_->buffers()) n += b.numel();
  if (!trainable_)
    for (const Tensor& p : module_->parameters()) n += p.numel();
  return n;
}

Shape Layer::finish_build(const Shape& input_shape, const Shape& output_shape) {
  input_shape_ = input_shape;
  output_shape_ = output_shape;
  built_ = true;
  if (module_) module_->set_trainable(trainable_);
  return output_shape;
}

std::string Layer::describe() const {
  return fmt::format("{} ({})", name_.empty() ? base_name() : name_, class_name());
}

void check_activation(const std::string& a, const std::string& layer) {
  JANUS_CHECK(a.empty() || a == "linear" || a == "relu" || a == "sigmoid" || a == "tanh" || a == "softmax",
              "{}: unknown activation \"{}\" (expected one of \"linear\", \"relu\", \"sigmoid\", \"tanh\", "
              "\"softmax\")", layer, a);
}

Tensor apply_activation(const std::string& a, const Tensor& x, const std::string& layer) {
  check_activation(a, layer);
  if (a == "relu") return janus::relu(x);
  if (a == "sigmoid") return janus::sigmoid(x);
  if (a == "tanh") return janus::tanh(x);
  if (a == "softmax") return janus::softmax(x, 1);  // channels / features are axis 1 inside
  return x;
}

}  // namespace janus::keras::layers
