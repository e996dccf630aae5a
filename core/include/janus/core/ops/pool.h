// Pooling on NCHW input: max and average with kernel, stride (default: the kernel) and
// padding (at most half the kernel; max pooling treats padding as -inf, average pooling as
// zeros), each an int or an (h, w) pair, and torch's ceil_mode; adaptive average pooling to a
// chosen output size; global average pooling.
//
//   Tensor y = max_pool2d(x, Pool2dOptions({2, 3}).stride({2, 1}).ceil_mode(true));
#pragma once

#include <janus/core/size2.h>
#include <janus/core/tensor.h>

#include <cstdint>

namespace janus {

struct Pool2dOptions {
  explicit Pool2dOptions(Size2 kernel_size) : kernel_size_(kernel_size) {}
  Pool2dOptions& stride(Size2 v) { stride_ = v; return *this; }
  Pool2dOptions& padding(Size2 v) { padding_ = v; return *this; }
  // avg_pool2d only: whether padded zeros count in the divisor (torch default true).
  Pool2dOptions& count_include_pad(bool v) { count_include_pad_ = v; return *this; }
  // Output size rounds up instead of down, so a last partial window is kept when it starts
  // inside the input or its left padding (torch default false).
  Pool2dOptions& ceil_mode(bool v) { ceil_mode_ = v; return *this; }
  // The stride with 0 replaced by the kernel size.
  Size2 effective_stride() const {
    return Size2(stride_.h == 0 ? kernel_size_.h : stride_.h, stride_.w == 0 ? kernel_size_.w : stride_.w);
  }
  Size2 kernel_size_;
  Size2 stride_ = 0;  // 0 means: equal to kernel_size
  Size2 padding_ = 0;
  bool count_include_pad_ = true;
  bool ceil_mode_ = false;
};

// Output length of one pooled axis, torch's rule: floor or ceil of (in + 2p - k) / s, plus 1,
// and in ceil mode one less when the last window would start in the right padding.
int64_t pool_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t padding, bool ceil_mode);

Tensor max_pool2d(const Tensor& x, const Pool2dOptions& options);
Tensor avg_pool2d(const Tensor& x, const Pool2dOptions& options);
// Output (N, C, out_h, out_w) with PyTorch's adaptive bin rule.
Tensor adaptive_avg_pool2d(const Tensor& x, int64_t out_h, int64_t out_w);
// (N, C, H, W) -> (N, C, 1, 1).
Tensor global_avg_pool2d(const Tensor& x);

}  // namespace janus
