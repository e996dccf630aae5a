// Keras image layers: Input (the channels-last boundary), Conv2D, pooling, global average
// pooling, Flatten (in channels-last order). Shapes are Keras' (H, W, C); tensors inside are
// channels-first, so the layout changes are explicit permute nodes in the graph.
#include <janus/core/autograd.h>
#include <janus/core/ops.h>
#include <janus/keras/layers.h>
#include <janus/layers/conv.h>

#include "keras_internal.h"

namespace janus::keras::layers {

namespace {

void require_image(const Shape& s, const std::string& who) {
  JANUS_CHECK(s.size() == 3, "{}: expected an image input (height, width, channels) but got shape {} "
              "(hint: image layers must come before Flatten / Dense)", who, keras_shape(s));
}

// Copies `src` into the layer-owned `dst` after checking the shape.
void assign(Tensor dst, const Tensor& src, const std::string& what) {
  JANUS_CHECK(dst.defined(), "set_weights: {} does not exist in this layer", what);
  JANUS_CHECK(src.shape() == dst.shape(), "set_weights: {} expects shape {} (got {})", what,
              shape_str(dst.shape()), shape_str(src.shape()));
  dst.copy_(src);
}

const Tensor& weight_named(const NamedTensors& w, const std::string& name, const std::string& who) {
  const Tensor* t = find_weight(w, name);
  JANUS_CHECK(t != nullptr, "{}: set_weights needs \"{}\" (got {} weights)", who, name, w.size());
  return *t;
}

}  // namespace

// ---- Input -------------------------------------------------------------------------------

Shape Input::build(const Shape&) {
  JANUS_CHECK(shape_.size() == 1 || shape_.size() == 3,
              "Input: expected shape (features) or (height, width, channels) (got {})", keras_shape(shape_));
  for (int64_t v : shape_) JANUS_CHECK(v > 0, "Input: sizes must be positive (got {})", keras_shape(shape_));
  return finish_build(shape_, shape_);
}

Tensor Input::call(const Tensor& x, const RunContext&) { return x.dim() == 4 ? nhwc_to_nchw(x) : x; }

// ---- Conv2D ------------------------------------------------------------------------------

Shape Conv2D::build(const Shape& in) {
  require_image(in, describe());
  check_activation(activation_, describe());
  JANUS_CHECK(filters_ > 0 && kernel_size_ > 0 && strides_ > 0, "{}: filters, kernel_size and strides must be "
              "positive (got {}, {}, {})", describe(), filters_, kernel_size_, strides_);
  int64_t pad = 0;
  if (padding_ == "same") {
    JANUS_CHECK(strides_ == 1 && kernel_size_ % 2 == 1, "{}: padding=\"same\" is supported for odd kernels with "
                "strides=1 (got kernel_size={}, strides={}); TensorFlow pads asymmetrically otherwise",
                describe(), kernel_size_, strides_);
    pad = (kernel_size_ - 1) / 2;
  } else {
    JANUS_CHECK(padding_ == "valid", "{}: padding must be \"valid\" or \"same\" (got \"{}\")", describe(), padding_);
  }
  const int64_t h = (in[0] + 2 * pad - kernel_size_) / strides_ + 1;
  const int64_t w = (in[1] + 2 * pad - kernel_size_) / strides_ + 1;
  JANUS_CHECK(in[0] + 2 * pad >= kernel_size_ && in[1] + 2 * pad >= kernel_size_,
              "{}: the {}x{} kernel does not fit the input {}", describe(), kernel_size_, kernel_size_,
              keras_shape(in));
  module_ = std::make_shared<nn::Conv2d>(nn::Conv2dOptions(in[2], filters_, kernel_size_)
                                             .stride(strides_)
                                             .padding(pad)
                                             .bias(use_bias_)
                                             .init(nn::InitProfile::keras));
  return finish_build(in, {h, w, filters_});
}

Tensor Conv2D::call(const Tensor& x, const RunContext&) {
  return apply_activation(activation_, module_->forward(x), name());
}

NamedTensors Conv2D::get_weights() const {
  const auto& conv = static_cast<const nn::Conv2d&>(*module_);
  NoGradGuard ng;
  NamedTensors out{{"kernel", permute(conv.weight, {2, 3, 1, 0}).clone()}};  // (kh, kw, in, out)
  if (conv.bias.defined()) out.emplace_back("bias", conv.bias.clone());
  return out;
}

void Conv2D::set_weights(const NamedTensors& w) {
  auto& conv = static_cast<nn::Conv2d&>(*module_);
  NoGradGuard ng;
  const Tensor& kernel = weight_named(w, "kernel", describe());
  JANUS_CHECK(kernel.dim() == 4, "{}: kernel must be (kh, kw, in, out) (got {})", describe(),
              shape_str(kernel.shape()));
  assign(conv.weight, permute(kernel, {3, 2, 0, 1}), name() + "/kernel");
  if (conv.bias.defined()) assign(conv.bias, weight_named(w, "bias", describe()), name() + "/bias");
}

// ---- pooling -----------------------------------------------------------------------------

Shape Pooling2D::build(const Shape& in) {
  require_image(in, describe());
  const int64_t k = pool_size_, s = strides_ > 0 ? strides_ : pool_size_;
  JANUS_CHECK(k > 0, "{}: pool_size must be positive (got {})", describe(), k);
  int64_t h, w;
  if (padding_ == "same") {
    h = (in[0] + s - 1) / s;
    w = (in[1] + s - 1) / s;
    JANUS_CHECK((h - 1) * s + k <= in[0] && (w - 1) * s + k <= in[1],
                "{}: padding=\"same\" would need padding for input {} (pool_size={}, strides={}); only the "
                "no-padding case is supported", describe(), keras_shape(in), k, s);
  } else {
    JANUS_CHECK(padding_ == "valid", "{}: padding must be \"valid\" or \"same\" (got \"{}\")", describe(), padding_);
    JANUS_CHECK(in[0] >= k && in[1] >= k, "{}: pool_size {} is larger than the input {}", describe(), k,
                keras_shape(in));
    h = (in[0] - k) / s + 1;
    w = (in[1] - k) / s + 1;
  }
  strides_ = s;
  return finish_build(in, {h, w, in[2]});
}

Tensor Pooling2D::call(const Tensor& x, const RunContext&) {
  const Pool2dOptions o = Pool2dOptions(pool_size_).stride(strides_);
  return max_ ? max_pool2d(x, o) : avg_pool2d(x, o);
}

Shape GlobalAveragePooling2D::build(const Shape& in) {
  require_image(in, describe());
  return finish_build(in, {in[2]});
}

Tensor GlobalAveragePooling2D::call(const Tensor& x, const RunContext&) { return global_avg_pool2d(x).flatten(1); }

// ---- Flatten -----------------------------------------------------------------------------

Shape Flatten::build(const Shape& in) {
  JANUS_CHECK(!in.empty(), "{}: cannot flatten a scalar input", describe());
  return finish_build(in, {numel_of(in)});
}

// Keras flattens (H, W, C) in that order; inside the tensor is (N, C, H, W), so it is
// permuted to (N, H, W, C) first -- an explicit node in the graph.
Tensor Flatten::call(const Tensor& x, const RunContext&) {
  if (x.dim() == 4) return nchw_to_nhwc(x).flatten(1);
  return x.dim() == 2 ? x : x.flatten(1);
}

}  // namespace janus::keras::layers
