// Pooling layers: option checks at construction, input checks naming the layer at forward.
#include <janus/layers/pool.h>

#include <algorithm>

namespace janus::nn {

namespace {

Pool2dOptions checked(const Pool2dOptions& o, const char* layer) {
  const Size2 &k = o.kernel_size_, &s = o.stride_, &p = o.padding_;
  JANUS_CHECK(std::min(k.h, k.w) > 0 && std::min(s.h, s.w) >= 0 && std::min(p.h, p.w) >= 0,
              "{}: expected kernel_size > 0, stride >= 0 (0: the kernel) and padding >= 0 (got kernel_size={}, "
              "stride={}, padding={})",
              layer, k.str(), s.str(), p.str());
  JANUS_CHECK(2 * p.h <= k.h && 2 * p.w <= k.w, "{}: padding ({}) must be at most half the kernel size ({})", layer,
              p.str(), k.str());
  Pool2dOptions out = o;
  out.stride_ = o.effective_stride();
  return out;
}

void check_input(const Tensor& x, const Pool2dOptions& o, const std::string& who) {
  JANUS_CHECK(x.defined(), "{}: forward got an undefined tensor", who);
  JANUS_CHECK(x.dim() == 4, "{}: expected 4-D input (N, C, H, W) (got {}-D input {})", who, x.dim(),
              shape_str(x.shape()));
  const Size2 &k = o.kernel_size_, &p = o.padding_;
  JANUS_CHECK(x.size(2) + 2 * p.h >= k.h && x.size(3) + 2 * p.w >= k.w,
              "{}: input {} is smaller than the {}x{} window (padding {})", who, shape_str(x.shape()), k.h, k.w,
              p.str());
}

std::string ceil_str(bool ceil_mode) { return ceil_mode ? "True" : "False"; }

}  // namespace

MaxPool2d::MaxPool2d(const Pool2dOptions& o) : Module("MaxPool2d"), options_(checked(o, "MaxPool2d")) {}

Tensor MaxPool2d::forward(const Tensor& x) {
  check_input(x, options_, describe());
  return max_pool2d(x, options_);
}

std::string MaxPool2d::extra_repr() const {
  return fmt::format("kernel_size={}, stride={}, padding={}, dilation=1, ceil_mode={}", options_.kernel_size_.str(),
                     options_.stride_.str(), options_.padding_.str(), ceil_str(options_.ceil_mode_));
}

AvgPool2d::AvgPool2d(const Pool2dOptions& o) : Module("AvgPool2d"), options_(checked(o, "AvgPool2d")) {}

Tensor AvgPool2d::forward(const Tensor& x) {
  check_input(x, options_, describe());
  return avg_pool2d(x, options_);
}

std::string AvgPool2d::extra_repr() const {
  // torch's AvgPool2d repr shows only these three; the two flags are added when not default.
  std::string s = fmt::format("kernel_size={}, stride={}, padding={}", options_.kernel_size_.str(),
                              options_.stride_.str(), options_.padding_.str());
  if (options_.ceil_mode_) s += ", ceil_mode=True";
  if (!options_.count_include_pad_) s += ", count_include_pad=False";
  return s;
}

AdaptiveAvgPool2d::AdaptiveAvgPool2d(int64_t output_size)
    : Module("AdaptiveAvgPool2d"), out_h_(output_size), out_w_(output_size), square_(true) {
  JANUS_CHECK(output_size > 0, "AdaptiveAvgPool2d: expected output_size > 0 (got {})", output_size);
}

AdaptiveAvgPool2d::AdaptiveAvgPool2d(int64_t out_h, int64_t out_w)
    : Module("AdaptiveAvgPool2d"), out_h_(out_h), out_w_(out_w), square_(false) {
  JANUS_CHECK(out_h > 0 && out_w > 0, "AdaptiveAvgPool2d: expected a positive output size (got ({}, {}))", out_h,
              out_w);
}

Tensor AdaptiveAvgPool2d::forward(const Tensor& x) {
  JANUS_CHECK(x.defined(), "{}: forward got an undefined tensor", describe());
  JANUS_CHECK(x.dim() == 4, "{}: expected 4-D input (N, C, H, W) (got {}-D input {})", describe(), x.dim(),
              shape_str(x.shape()));
  JANUS_CHECK(x.size(2) > 0 && x.size(3) > 0, "{}: input {} has an empty spatial axis", describe(),
              shape_str(x.shape()));
  if (out_h_ == 1 && out_w_ == 1) return global_avg_pool2d(x);
  return adaptive_avg_pool2d(x, out_h_, out_w_);
}

std::string AdaptiveAvgPool2d::extra_repr() const {
  if (square_) return fmt::format("output_size={}", out_h_);
  return fmt::format("output_size=({}, {})", out_h_, out_w_);
}

}  // namespace janus::nn
