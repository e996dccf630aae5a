// Ops that move data without arithmetic: permute/transpose (NCHW <-> NHWC), concat.
// (reshape and flatten are Tensor members.)
#pragma once

#include <janus/core/tensor.h>

#include <vector>

namespace janus {

Tensor permute(const Tensor& x, const std::vector<int64_t>& order);
Tensor transpose(const Tensor& x, int64_t axis0, int64_t axis1);
Tensor nchw_to_nhwc(const Tensor& x);
Tensor nhwc_to_nchw(const Tensor& x);
Tensor concat(const std::vector<Tensor>& tensors, int64_t axis);

}  // namespace janus
