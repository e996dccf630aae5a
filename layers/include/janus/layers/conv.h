// nn::Conv2d: a 2-D convolution layer on NCHW input with an OIHW weight and optional bias,
// initialized with PyTorch's (default) or Keras' profile.
//
//   auto conv = std::make_shared<nn::Conv2d>(nn::Conv2dOptions(3, 16, 3).stride(2).padding(1).bias(false));
//   Tensor y = (*conv)(x);   // x (N, 3, H, W) -> (N, 16, H', W')
//   nn::Conv2dOptions(3, 16, {1, 7}).padding({0, 3});   // non-square: (h, w) pairs
#pragma once

#include <janus/core/size2.h>
#include <janus/layers/init.h>
#include <janus/layers/module.h>

#include <cstdint>

namespace janus::nn {

struct Conv2dOptions {
  Conv2dOptions(int64_t in_channels, int64_t out_channels, Size2 kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  Conv2dOptions& stride(Size2 v) { stride_ = v; return *this; }
  Conv2dOptions& padding(Size2 v) { padding_ = v; return *this; }
  Conv2dOptions& dilation(Size2 v) { dilation_ = v; return *this; }
  Conv2dOptions& groups(int64_t v) { groups_ = v; return *this; }
  Conv2dOptions& bias(bool v) { bias_ = v; return *this; }
  Conv2dOptions& init(InitProfile v) { init_ = v; return *this; }
  Conv2dOptions& generator(Generator* v) { generator_ = v; return *this; }
  int64_t in_channels_;
  int64_t out_channels_;
  Size2 kernel_size_;       // (kh, kw); one int means square
  Size2 stride_ = 1;
  Size2 padding_ = 0;       // zeros on both sides of each axis
  Size2 dilation_ = 1;
  int64_t groups_ = 1;
  bool bias_ = true;
  InitProfile init_ = InitProfile::torch;
  Generator* generator_ = nullptr;  // null: the default generator
};

class Conv2d : public Module {
 public:
  explicit Conv2d(const Conv2dOptions& options);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  // Re-draws weight and bias in place with a profile.
  void reset_parameters(InitProfile profile, Generator* gen = nullptr);
  const Conv2dOptions& options() const { return options_; }

  Tensor weight;  // (C_out, C_in / groups, kh, kw)
  Tensor bias;    // (C_out), undefined without bias

 private:
  Conv2dOptions options_;
};

}  // namespace janus::nn
