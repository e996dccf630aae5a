// Deterministic mode's switch and its one reduction, the fixed binary tree of deterministic.h.
#include <janus/core/deterministic.h>
#include <janus/core/parallel.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace janus {

namespace {

bool from_environment() {
  const char* env = std::getenv("JANUS_DETERMINISTIC");
  return env && std::strcmp(env, "1") == 0;
}

std::atomic<bool>& flag() {
  static std::atomic<bool> f{from_environment()};
  return f;
}

int64_t largest_pow2_below(int64_t n) {
  int64_t p = 1;
  while (p * 2 < n) p *= 2;
  return p;
}

// Rows [lo, hi) of buf (each `w` wide) reduced into row lo by the tree rule.
template <typename T>
void reduce_rows(T* buf, int64_t lo, int64_t hi, int64_t w) {
  if (hi - lo <= 1) return;
  const int64_t mid = lo + largest_pow2_below(hi - lo);
  reduce_rows(buf, lo, mid, w);
  reduce_rows(buf, mid, hi, w);
  T* a = buf + lo * w;
  const T* b = buf + mid * w;
  for (int64_t j = 0; j < w; ++j) a[j] += b[j];
}

template <typename T>
void tree_sum_impl(const T* parts, int64_t n, int64_t stride_n, int64_t width, int64_t stride_w, T* out) {
  if (width <= 0) return;
  if (n <= 0) {
    for (int64_t j = 0; j < width; ++j) out[j] = T(0);
    return;
  }
  constexpr int64_t kCols = 512;  // columns per block: the block's n rows stay in cache
  const int64_t blocks = (width + kCols - 1) / kCols;
  parallel_for(0, blocks, 1, [&](int64_t b0, int64_t b1) {
    std::vector<T> buf;
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t j0 = b * kCols, w = std::min(kCols, width - j0);
      buf.resize(static_cast<size_t>(n * w));
      for (int64_t i = 0; i < n; ++i) {
        const T* src = parts + i * stride_n + j0 * stride_w;
        T* dst = buf.data() + i * w;
        if (stride_w == 1) std::memcpy(dst, src, sizeof(T) * w);
        else for (int64_t j = 0; j < w; ++j) dst[j] = src[j * stride_w];
      }
      reduce_rows(buf.data(), 0, n, w);
      std::memcpy(out + j0, buf.data(), sizeof(T) * w);
    }
  });
}

}  // namespace

bool deterministic() { return flag().load(std::memory_order_relaxed); }
void set_deterministic(bool on) { flag().store(on); }

void tree_sum(const float* parts, int64_t n, int64_t stride_n, int64_t width, int64_t stride_w, float* out) {
  tree_sum_impl(parts, n, stride_n, width, stride_w, out);
}
void tree_sum(const double* parts, int64_t n, int64_t stride_n, int64_t width, int64_t stride_w, double* out) {
  tree_sum_impl(parts, n, stride_n, width, stride_w, out);
}

}  // namespace janus
