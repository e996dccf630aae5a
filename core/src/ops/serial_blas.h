// SerialBlas: OpenBLAS single-threaded for a scope. Internal to core.
#pragma once

#include <cblas.h>

namespace janus::detail {

// OpenBLAS runs single-threaded while one is alive, so that each of janus' workers can run
// its own batch chunk's SGEMMs. (With OpenBLAS' threads, its spinning workers took the
// second core from janus' transform and im2col loops: two threads ran slower than one on a
// busy machine.)
class SerialBlas {
 public:
  SerialBlas() : saved_(openblas_get_num_threads()) { openblas_set_num_threads(1); }
  ~SerialBlas() { openblas_set_num_threads(saved_); }
  SerialBlas(const SerialBlas&) = delete;
  SerialBlas& operator=(const SerialBlas&) = delete;

 private:
  int saved_;
};

// GEMMs with fewer multiply-adds than this run single-threaded (linalg.cpp; the benchmark
// CNN's linear layer is 1.3M). Splitting one over 2 threads saves at most half of its time,
// under 0.4 ms (2^24 MACs take ~0.7 ms on one core at 50 GFLOP/s), and leaves OpenBLAS' worker
// yield-spinning afterwards (its thread timeout, 2^28 cycles by default) while janus' pool
// needs the core. A work size, not a tuned constant: the same reasoning on every CPU.
constexpr long long kSerialGemmMacs = 1LL << 24;

}  // namespace janus::detail
