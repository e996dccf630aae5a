// Seeded random numbers. A Generator is a small PCG32 stream with its own Box-Muller
// normal sampler, so that a seed gives the same numbers on every platform and compiler
// (std:: distributions are not specified bit for bit).
#pragma once

#include <cstdint>
#include <vector>

namespace janus {

class Generator {
 public:
  explicit Generator(uint64_t seed = 0) { seed_(seed); }
  void seed_(uint64_t seed);
  uint32_t next_u32();
  // Uniform in [0, 1).
  double uniform();
  // Standard normal.
  double normal();
  // Uniform integer in [0, n).
  uint64_t below(uint64_t n);

 private:
  uint64_t state_ = 0;
  uint64_t inc_ = 0;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

// Fisher-Yates shuffle of `idx` in place: for i = n-1 down to 1, swap idx[i] with
// idx[gen.below(i + 1)]. The one shuffle used by keras fit() and the DataLoader.
void shuffle_indices(std::vector<int64_t>& idx, Generator& gen);

// The process-wide default generator used when an API is given none (like torch's).
Generator& default_generator();
void manual_seed(uint64_t seed);

}  // namespace janus
