// What the conv2d algorithm tests (tests/core/test_conv_direct.cpp, test_conv_winograd.cpp,
// test_conv_winograd4.cpp) share: conv2d with a forced algorithm, one forward + backward of it,
// the exact 3x3 convolution by direct loops in double (with each element's sum of |terms|, for
// relative errors), the relative error against it, and bitwise equality.
#pragma once

#include <janus/core/tensor.h>

#include <cstdint>
#include <vector>

namespace janus::testing {

// conv2d through the op with its "algo" attribute (0 auto, 1 im2col, 2 Winograd F(2x2),
// 3 F(4x4), 4 direct), dilation 1, one group; b may be undefined.
Tensor conv2d_algo(const Tensor& x, const Tensor& w, const Tensor& b, int64_t padding, int64_t algo,
                   int64_t stride = 1);

struct ConvGrads {
  Tensor y, dx, dw, db;  // db undefined without a bias
};
// y = conv2d_algo(x, w, b) on fresh leaves, then backward(dy): y and the three gradients.
ConvGrads conv2d_grads(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& dy, int64_t padding,
                       int64_t algo);

// y (with bias b when defined), dx, dw and db of a 3x3 stride-1 convolution by direct loops
// in double, and for y, dx and dw the same sums of |terms| (each element's size).
struct ExactConv {
  std::vector<double> y, dx, dw, db, y_abs, dx_abs, dw_abs;
};
ExactConv exact_conv3x3(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& dy, int64_t padding);

// Largest |got - exact| / (sum of |terms|) over the elements. Any float32 summation of d terms,
// in any order, with or without FMA, stays within d * 2^-24 of that sum (first order).
double rel_error(const Tensor& got, const std::vector<double>& exact, const std::vector<double>& abs_sum);

// Same shape and the same bits.
bool same_bits(const Tensor& a, const Tensor& b);

}  // namespace janus::testing
