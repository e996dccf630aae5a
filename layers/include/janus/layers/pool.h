// Pooling layers on NCHW input: nn::MaxPool2d, nn::AvgPool2d (kernel, stride defaulting to
// the kernel, zero padding) and nn::AdaptiveAvgPool2d (a chosen output size; 1x1 is global
// average pooling).
//
//   auto pool = std::make_shared<nn::MaxPool2d>(2);                           // 2x2, stride 2
//   auto avg = std::make_shared<nn::AvgPool2d>(Pool2dOptions(3).stride(1).padding(1));
//   auto gap = std::make_shared<nn::AdaptiveAvgPool2d>(1);                    // (N, C, 1, 1)
//   nn::MaxPool2d(Pool2dOptions({3, 2}).stride({2, 1}).ceil_mode(true));      // pairs, ceil mode
#pragma once

#include <janus/core/ops/pool.h>
#include <janus/layers/module.h>

#include <cstdint>

namespace janus::nn {

using janus::Pool2dOptions;

class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(const Pool2dOptions& options);
  explicit MaxPool2d(Size2 kernel_size) : MaxPool2d(Pool2dOptions(kernel_size)) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  const Pool2dOptions& options() const { return options_; }

 private:
  Pool2dOptions options_;
};

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(const Pool2dOptions& options);
  explicit AvgPool2d(Size2 kernel_size) : AvgPool2d(Pool2dOptions(kernel_size)) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  const Pool2dOptions& options() const { return options_; }

 private:
  Pool2dOptions options_;
};

class AdaptiveAvgPool2d : public Module {
 public:
  // Square output size (1: global average pooling).
  explicit AdaptiveAvgPool2d(int64_t output_size);
  AdaptiveAvgPool2d(int64_t out_h, int64_t out_w);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t out_h() const { return out_h_; }
  int64_t out_w() const { return out_w_; }

 private:
  int64_t out_h_;
  int64_t out_w_;
  bool square_;
};

}  // namespace janus::nn
