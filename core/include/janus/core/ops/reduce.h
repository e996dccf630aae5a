// Reductions over chosen axes: sum, mean and variance (biased or unbiased), with keepdim.
// An empty axis list means all axes. max / argmax along one axis (torch.max(x, dim)).
#pragma once

#include <janus/core/tensor.h>

#include <vector>

namespace janus {

Tensor sum(const Tensor& x, const std::vector<int64_t>& axes = {}, bool keepdim = false);
Tensor mean(const Tensor& x, const std::vector<int64_t>& axes = {}, bool keepdim = false);
// unbiased: divide by m - 1 (torch's default for x.var()), else by m.
Tensor var(const Tensor& x, const std::vector<int64_t>& axes = {}, bool unbiased = true,
           bool keepdim = false);
// Values (differentiable: the gradient goes to the returned index) and float-valued indices of
// the maxima along `axis`; ties pick the first, NaN is the largest (torch's rule).
MaxResult max(const Tensor& x, int64_t axis, bool keepdim = false);
Tensor argmax(const Tensor& x, int64_t axis, bool keepdim = false);

}  // namespace janus
