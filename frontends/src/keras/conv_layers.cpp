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

// One axis of Conv2D's output for Keras' padding: "valid", or "same" (TensorFlow's total
// padding max((ceil(in / s) - 1) s + k - in, 0), supported when it splits evenly).
int64_t conv_axis(int64_t in, int64_t k, int64_t s, const std::string& padding, int64_t& pad, const std::string& who,
                  const char* axis) {
  if (padding == "same") {
    const int64_t out = (in + s - 1) / s;
    const int64_t total = std::max<int64_t>((out - 1) * s + k - in, 0);
    JANUS_CHECK(total % 2 == 0, "{}: padding=\"same\" needs {} zeros on the {} axis (kernel {}, stride {}), which "
                "TensorFlow splits unevenly; janus pads symmetrically only (use an odd kernel with stride 1)",
                who, total, axis, k, s);
    pad = total / 2;
    return out;
  }
  JANUS_CHECK(padding == "valid", "{}: padding must be \"valid\" or \"same\" (got \"{}\")", who, padding);
  pad = 0;
  JANUS_CHECK(in >= k, "{}: the kernel size {} does not fit the input's {} axis of {}", who, k, axis, in);
  return (in - k) / s + 1;
}

Shape Conv2D::build(const Shape& in) {
  require_image(in, describe());
  check_activation(activation_, describe());
  check_initializer(kernel_initializer_, describe());
  check_initializer(bias_initializer_, describe());
  const Size2 k = kernel_size_, st = strides_;
  JANUS_CHECK(filters_ > 0 && k.h > 0 && k.w > 0 && st.h > 0 && st.w > 0, "{}: filters, kernel_size and strides "
              "must be positive (got {}, {}, {})", describe(), filters_, k.tuple_str(), st.tuple_str());
  int64_t pad_h = 0, pad_w = 0;
  const int64_t h = conv_axis(in[0], k.h, st.h, padding_, pad_h, describe(), "height");
  const int64_t w = conv_axis(in[1], k.w, st.w, padding_, pad_w, describe(), "width");
  auto conv = std::make_shared<nn::Conv2d>(nn::Conv2dOptions(in[2], filters_, k)
                                               .stride(st)
                                               .padding(Size2(pad_h, pad_w))
                                               .bias(use_bias_)
                                               .init(nn::InitProfile::keras));
  // The module's keras profile already drew glorot_uniform / zeros (the defaults), so only
  // another choice draws again (the default stream of random numbers stays as it was).
  if (kernel_initializer_ != "glorot_uniform") initialize(conv->weight, kernel_initializer_, describe());
  if (conv->bias.defined() && bias_initializer_ != "zeros") initialize(conv->bias, bias_initializer_, describe());
  module_ = conv;
  return finish_build(in, {h, w, filters_});
}

Tensor Conv2D::call(const Tensor& x, const RunContext&) {
  return apply_activation(activation_, module_->forward(x), name());
}

NamedTensors Conv2D::get_weights() const {
  const auto& conv = static_cast<const nn::Conv2d&>(built_module("get_weights"));
  NoGradGuard ng;
  NamedTensors out{{"kernel", permute(conv.weight, {2, 3, 1, 0}).clone()}};  // (kh, kw, in, out)
  if (conv.bias.defined()) out.emplace_back("bias", conv.bias.clone());
  return out;
}

void Conv2D::set_weights(const NamedTensors& w) {
  auto& conv = static_cast<nn::Conv2d&>(built_module("set_weights"));
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
  const Size2 k = pool_size_;
  const Size2 st(strides_.h > 0 ? strides_.h : k.h, strides_.w > 0 ? strides_.w : k.w);
  JANUS_CHECK(k.h > 0 && k.w > 0, "{}: pool_size must be positive (got {})", describe(), k.tuple_str());
  int64_t h, w;
  if (padding_ == "same") {
    h = (in[0] + st.h - 1) / st.h;
    w = (in[1] + st.w - 1) / st.w;
    JANUS_CHECK((h - 1) * st.h + k.h <= in[0] && (w - 1) * st.w + k.w <= in[1],
                "{}: padding=\"same\" would need padding for input {} (pool_size={}, strides={}); only the "
                "no-padding case is supported", describe(), keras_shape(in), k.tuple_str(), st.tuple_str());
  } else {
    JANUS_CHECK(padding_ == "valid", "{}: padding must be \"valid\" or \"same\" (got \"{}\")", describe(), padding_);
    JANUS_CHECK(in[0] >= k.h && in[1] >= k.w, "{}: pool_size {} is larger than the input {}", describe(),
                k.tuple_str(), keras_shape(in));
    h = (in[0] - k.h) / st.h + 1;
    w = (in[1] - k.w) / st.w + 1;
  }
  strides_ = st;
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
