// Per-thread scratch buffers of the convolution kernels: a thread_local std::vector that only
// grows, so that a training step reuses the same pages instead of faulting in new ones.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace janus::detail {

// `buffer`'s storage, grown to at least `n` floats (never shrunk; contents unspecified).
inline float* scratch(std::vector<float>& buffer, int64_t n) {
  if (static_cast<int64_t>(buffer.size()) < n) buffer.resize(static_cast<std::size_t>(n));
  return buffer.data();
}

}  // namespace janus::detail
