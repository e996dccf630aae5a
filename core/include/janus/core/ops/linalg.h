// Matrix products through OpenBLAS cblas_sgemm.
#pragma once

#include <janus/core/tensor.h>

namespace janus {

// (M, K) x (K, N) -> (M, N); a leading batch axis on both is also accepted: (B, M, K) x (B, K, N).
Tensor matmul(const Tensor& a, const Tensor& b);
// y = x w^T + b with x (N, in), weight (out, in), bias (out) or undefined (PyTorch layout).
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

}  // namespace janus
