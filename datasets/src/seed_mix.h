// Internal: splitmix64, the hash that derives independent seeds from (seed, epoch, index)
// so every random stream depends only on those numbers, never on timing or threads.
#pragma once

#include <cstdint>

namespace janus::datasets::detail {

inline uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

inline uint64_t mix_seed(uint64_t a, uint64_t b, uint64_t c = 0) {
  return splitmix64(splitmix64(splitmix64(a) ^ b) ^ c);
}

}  // namespace janus::datasets::detail
