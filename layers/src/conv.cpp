// nn::Conv2d: construction-time option checks, forward-time shape checks naming the layer.
#include <janus/layers/conv.h>

#include <janus/core/ops/conv.h>

#include <algorithm>

namespace janus::nn {

Conv2d::Conv2d(const Conv2dOptions& o) : Module("Conv2d"), options_(o) {
  JANUS_CHECK(o.in_channels_ > 0 && o.out_channels_ > 0,
              "Conv2d: expected positive in_channels and out_channels (got {} and {})", o.in_channels_,
              o.out_channels_);
  JANUS_CHECK(std::min(o.kernel_size_.h, o.kernel_size_.w) > 0 && std::min(o.stride_.h, o.stride_.w) > 0 &&
                  std::min(o.dilation_.h, o.dilation_.w) > 0 && std::min(o.padding_.h, o.padding_.w) >= 0,
              "Conv2d: expected kernel_size, stride, dilation > 0 and padding >= 0 (got kernel_size={}, "
              "stride={}, dilation={}, padding={})",
              o.kernel_size_.tuple_str(), o.stride_.tuple_str(), o.dilation_.tuple_str(), o.padding_.tuple_str());
  JANUS_CHECK(o.groups_ > 0 && o.in_channels_ % o.groups_ == 0 && o.out_channels_ % o.groups_ == 0,
              "Conv2d: in_channels ({}) and out_channels ({}) must both be divisible by groups ({})",
              o.in_channels_, o.out_channels_, o.groups_);
  weight = register_parameter(
      "weight", empty({o.out_channels_, o.in_channels_ / o.groups_, o.kernel_size_.h, o.kernel_size_.w}));
  if (o.bias_) bias = register_parameter("bias", empty({o.out_channels_}));
  reset_parameters(o.init_, o.generator_);
}

void Conv2d::reset_parameters(InitProfile profile, Generator* gen) {
  init::init_weight_and_bias(weight, bias, profile, gen);
}

Tensor Conv2d::forward(const Tensor& x) {
  const Conv2dOptions& o = options_;
  JANUS_CHECK(x.defined(), "{}: forward got an undefined tensor", describe());
  JANUS_CHECK(x.dim() == 4, "{}: expected 4-D input (N, C, H, W) (got {}-D input {})", describe(), x.dim(),
              shape_str(x.shape()));
  JANUS_CHECK(x.size(1) == o.in_channels_,
              "{}: input has {} channels but the layer expects in_channels={} (input {}, weight {})", describe(),
              x.size(1), o.in_channels_, shape_str(x.shape()), shape_str(weight.shape()));
  const int64_t span_h = o.dilation_.h * (o.kernel_size_.h - 1) + 1;
  const int64_t span_w = o.dilation_.w * (o.kernel_size_.w - 1) + 1;
  JANUS_CHECK(x.size(2) + 2 * o.padding_.h >= span_h && x.size(3) + 2 * o.padding_.w >= span_w,
              "{}: input {} is smaller than the (dilated) kernel {}x{} after padding {}", describe(),
              shape_str(x.shape()), span_h, span_w, o.padding_.tuple_str());
  return conv2d(x, weight, bias,
                janus::Conv2dOptions().stride(o.stride_).padding(o.padding_).dilation(o.dilation_).groups(o.groups_));
}

std::string Conv2d::extra_repr() const {
  const Conv2dOptions& o = options_;
  std::string s = fmt::format("{}, {}, kernel_size={}, stride={}", o.in_channels_, o.out_channels_,
                              o.kernel_size_.tuple_str(), o.stride_.tuple_str());
  if (o.padding_ != Size2(0)) s += ", padding=" + o.padding_.tuple_str();
  if (o.dilation_ != Size2(1)) s += ", dilation=" + o.dilation_.tuple_str();
  if (o.groups_ != 1) s += fmt::format(", groups={}", o.groups_);
  if (!o.bias_) s += ", bias=False";
  return s;
}

}  // namespace janus::nn
