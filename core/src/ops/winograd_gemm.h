// The small row-major products of the Winograd convolutions (conv_winograd.cpp,
// conv_winograd4.cpp), one per tile position: forward M = U V, dU = dM V^T, dV = U^T dM.
// Register-blocked kernels in GCC vector extensions, 16 lanes under AVX-512 and 8 under AVX2,
// because OpenBLAS runs its AVX2 kernels here even on AVX-512 CPUs (OPENBLAS_CORETYPE) and
// its packing dominates matrices this small. Each output element is summed in an order fixed
// by the shapes alone, never by threads or timing. Internal to core.
#pragma once

#include <cstdint>

namespace janus::detail {

// c (m, n) = a (m, k) x b (k, n). c is overwritten (beta 0); lda, ldb, ldc in floats.
void wgemm_nn(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
              float* c, int64_t ldc);
// c (m, n) = a^T x b, with a (k, m) and b (k, n).
void wgemm_tn(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
              float* c, int64_t ldc);
// c (m, n) = a x b^T, with a (m, k) and b (n, k). Transposes b in panels (a thread-local
// buffer of k x 64 floats, 24 with AVX2) or sums dot products, whichever its shape favours.
void wgemm_nt(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
              float* c, int64_t ldc);

// Float lanes of the kernels' vectors in this build (16 with AVX-512, else 8), for tests.
int wgemm_lanes();

}  // namespace janus::detail
