// Ops that move data without arithmetic: permute/transpose (NCHW <-> NHWC), concat, cat,
// stack, narrow. (reshape, view, squeeze, unsqueeze, select, narrow, t, flatten are also
// Tensor members, defined in shape_ops.cpp.)
#pragma once

#include <janus/core/tensor.h>

#include <vector>

namespace janus {

Tensor permute(const Tensor& x, const std::vector<int64_t>& order);
Tensor transpose(const Tensor& x, int64_t axis0, int64_t axis1);
Tensor nchw_to_nhwc(const Tensor& x);
Tensor nhwc_to_nchw(const Tensor& x);
Tensor concat(const std::vector<Tensor>& tensors, int64_t axis);
// torch.cat (the same as concat) and torch.stack (joins equal shapes along a new axis).
Tensor cat(const std::vector<Tensor>& tensors, int64_t axis = 0);
Tensor stack(const std::vector<Tensor>& tensors, int64_t axis = 0);
// Entries [start, start + length) of `axis` (start may be negative); a view sharing storage
// when every axis before `axis` has size 1 (x.narrow(0, ...)), a copy otherwise.
Tensor narrow(const Tensor& x, int64_t axis, int64_t start, int64_t length);

}  // namespace janus
