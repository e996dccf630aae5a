// Pooling on NCHW input: max and average with kernel, stride (default: the kernel) and
// padding (at most half the kernel; max pooling treats padding as -inf, average pooling as
// zeros); adaptive average pooling to a chosen output size; global average pooling.
#pragma once

#include <janus/core/tensor.h>

#include <cstdint>

namespace janus {

struct Pool2dOptions {
  explicit Pool2dOptions(int64_t kernel_size) : kernel_size_(kernel_size) {}
  Pool2dOptions& stride(int64_t v) { stride_ = v; return *this; }
  Pool2dOptions& padding(int64_t v) { padding_ = v; return *this; }
  // avg_pool2d only: whether padded zeros count in the divisor (torch default true).
  Pool2dOptions& count_include_pad(bool v) { count_include_pad_ = v; return *this; }
  int64_t kernel_size_;
  int64_t stride_ = 0;  // 0 means: equal to kernel_size
  int64_t padding_ = 0;
  bool count_include_pad_ = true;
};

Tensor max_pool2d(const Tensor& x, const Pool2dOptions& options);
Tensor avg_pool2d(const Tensor& x, const Pool2dOptions& options);
// Output (N, C, out_h, out_w) with PyTorch's adaptive bin rule.
Tensor adaptive_avg_pool2d(const Tensor& x, int64_t out_h, int64_t out_w);
// (N, C, H, W) -> (N, C, 1, 1).
Tensor global_avg_pool2d(const Tensor& x);

}  // namespace janus
