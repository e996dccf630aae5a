// PCG32 (O'Neill, 2014) with a Box-Muller normal: identical numbers on every platform.
#include <janus/core/random.h>

#include <cmath>
#include <utility>

namespace janus {

void Generator::seed_(uint64_t seed) {
  state_ = 0;
  inc_ = (seed << 1u) | 1u;
  next_u32();
  state_ += 0x853c49e6748fea9bULL ^ seed;
  next_u32();
  has_spare_ = false;
}

uint32_t Generator::next_u32() {
  const uint64_t old = state_;
  state_ = old * 6364136223846793005ULL + inc_;
  const uint32_t xorshifted = static_cast<uint32_t>(((old >> 18u) ^ old) >> 27u);
  const uint32_t rot = static_cast<uint32_t>(old >> 59u);
  return (xorshifted >> rot) | (xorshifted << ((32 - rot) & 31));
}

double Generator::uniform() {
  // 53 random bits -> [0, 1).
  const uint64_t hi = next_u32() >> 5, lo = next_u32() >> 6;
  return (static_cast<double>(hi) * 67108864.0 + static_cast<double>(lo)) / 9007199254740992.0;
}

double Generator::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  double u1 = uniform();
  while (u1 <= 0.0) u1 = uniform();
  const double u2 = uniform();
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double theta = 2.0 * M_PI * u2;
  spare_ = r * std::sin(theta);
  has_spare_ = true;
  return r * std::cos(theta);
}

uint64_t Generator::below(uint64_t n) {
  if (n <= 1) return 0;
  // Rejection sampling on 64 bits to avoid modulo bias.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t v;
  do {
    v = (static_cast<uint64_t>(next_u32()) << 32) | next_u32();
  } while (v >= limit);
  return v % n;
}

Generator& default_generator() {
  static Generator gen(0);
  return gen;
}

void manual_seed(uint64_t seed) { default_generator().seed_(seed); }

void shuffle_indices(std::vector<int64_t>& idx, Generator& gen) {
  for (size_t i = idx.size(); i > 1; --i) std::swap(idx[i - 1], idx[static_cast<size_t>(gen.below(i))]);
}

}  // namespace janus
