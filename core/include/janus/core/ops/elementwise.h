// Elementwise ops with NumPy broadcasting: arithmetic, unary math and activations.
// Backward of a broadcast op sums the gradient back to each input's shape.
#pragma once

#include <janus/core/tensor.h>

namespace janus {

Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& a, float b);
Tensor mul(const Tensor& a, float b);
Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor pow(const Tensor& x, float exponent);
Tensor relu(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
// Each element limited to [min, max] (torch's clamp); the gradient is 0 outside.
Tensor clip(const Tensor& x, float min, float max);
// x for x > 0, negative_slope * x otherwise (torch's F.leaky_relu, default slope 0.01).
Tensor leaky_relu(const Tensor& x, float negative_slope = 0.01f);

Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& x);
Tensor operator+(const Tensor& a, float b);
Tensor operator-(const Tensor& a, float b);
Tensor operator*(const Tensor& a, float b);
Tensor operator/(const Tensor& a, float b);
Tensor operator*(float a, const Tensor& b);

}  // namespace janus
