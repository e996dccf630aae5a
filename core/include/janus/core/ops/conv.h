// 2-D convolution (cross-correlation, as in PyTorch) on NCHW input with OIHW weights.
//
//   Tensor y = conv2d(x, w, b, Conv2dOptions().stride(2).padding(1));
//   Tensor z = conv2d(x, w, b, Conv2dOptions().stride({1, 2}).padding({1, 0}));  // (h, w) pairs
#pragma once

#include <janus/core/size2.h>
#include <janus/core/tensor.h>

#include <cstdint>

namespace janus {

struct Conv2dOptions {
#define JANUS_OPT(type, name, init) \
  Conv2dOptions& name(type v) { name##_ = v; return *this; } \
  type name##_ = init;
  JANUS_OPT(Size2, stride, 1)
  JANUS_OPT(Size2, padding, 0)  // zeros added on both sides of each axis
  JANUS_OPT(Size2, dilation, 1)
  JANUS_OPT(int64_t, groups, 1)
#undef JANUS_OPT
};

// x (N, C_in, H, W), weight (C_out, C_in / groups, kh, kw), bias (C_out) or undefined.
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(),
              const Conv2dOptions& options = {});

}  // namespace janus
