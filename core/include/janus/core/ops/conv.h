// 2-D convolution (cross-correlation, as in PyTorch) on NCHW input with OIHW weights.
//
//   Tensor y = conv2d(x, w, b, Conv2dOptions().stride(2).padding(1));
#pragma once

#include <janus/core/tensor.h>

#include <cstdint>

namespace janus {

struct Conv2dOptions {
#define JANUS_OPT(type, name, init) \
  Conv2dOptions& name(type v) { name##_ = v; return *this; } \
  type name##_ = init;
  JANUS_OPT(int64_t, stride, 1)
  JANUS_OPT(int64_t, padding, 0)
  JANUS_OPT(int64_t, dilation, 1)
  JANUS_OPT(int64_t, groups, 1)
#undef JANUS_OPT
};

// x (N, C_in, H, W), weight (C_out, C_in / groups, kh, kw), bias (C_out) or undefined.
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(),
              const Conv2dOptions& options = {});

}  // namespace janus
