// Size-class caching allocator for tensor storage (see allocator.h). One mutex guards the
// free lists: allocations are per tensor, not per element, so contention is negligible.
#include <janus/core/allocator.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <string>
#include <vector>

namespace janus {

namespace {

// Rounds up to a multiple of 64 bytes, then to one of 4 classes per power of two:
// 2^k, 1.25 * 2^k, 1.5 * 2^k, 1.75 * 2^k (for sizes >= 256 bytes).
size_t size_class(size_t bytes) {
  size_t b = (bytes + 63) / 64 * 64;
  if (b < 256) return b == 0 ? 64 : b;
  size_t top = size_t(1) << (63 - __builtin_clzll(b));  // largest power of two <= b
  const size_t quarter = top / 4;
  return (b + quarter - 1) / quarter * quarter;
}

size_t limit_from_environment() {
  const char* env = std::getenv("JANUS_ALLOC_CACHE_MB");
  if (!env || !*env) return size_t(1024) << 20;
  try {
    return static_cast<size_t>(std::stoull(env)) << 20;
  } catch (...) {
    return size_t(1024) << 20;
  }
}

struct Cache {
  std::mutex mutex;
  std::map<size_t, std::vector<float*>> free_lists;  // size class -> buffers
  size_t cached = 0;
  size_t limit = limit_from_environment();
  int64_t hits = 0, misses = 0;

  // Frees cached buffers, largest classes first, until at most `target` bytes stay.
  void trim(size_t target) {
    for (auto it = free_lists.rbegin(); it != free_lists.rend() && cached > target; ++it) {
      while (!it->second.empty() && cached > target) {
        std::free(it->second.back());
        it->second.pop_back();
        cached -= it->first;
      }
    }
  }
};

// Never destroyed: tensors in static storage may be freed after main returns.
Cache& cache() {
  static Cache* c = new Cache();
  return *c;
}

}  // namespace

float* storage_alloc(size_t bytes) {
  const size_t cls = size_class(bytes);
  Cache& c = cache();
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    auto it = c.free_lists.find(cls);
    if (it != c.free_lists.end() && !it->second.empty()) {
      float* p = it->second.back();
      it->second.pop_back();
      c.cached -= cls;
      ++c.hits;
      return p;
    }
    ++c.misses;
  }
  auto* p = static_cast<float*>(std::aligned_alloc(64, cls));
  if (!p) {
    // The cache may hold what the system lacks: give it back and try once more.
    empty_cache();
    p = static_cast<float*>(std::aligned_alloc(64, cls));
    if (!p) throw std::bad_alloc();
  }
  return p;
}

void storage_free(float* data, size_t bytes) {
  if (!data) return;
  const size_t cls = size_class(bytes);
  Cache& c = cache();
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    if (c.cached + cls <= c.limit) {
      c.free_lists[cls].push_back(data);
      c.cached += cls;
      return;
    }
  }
  std::free(data);
}

AllocatorStats allocator_stats() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  return AllocatorStats{c.hits, c.misses, static_cast<int64_t>(c.cached)};
}

void empty_cache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  c.trim(0);
}

size_t cache_limit_bytes() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  return c.limit;
}

void set_cache_limit_bytes(size_t bytes) {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  c.limit = bytes;
  c.trim(bytes);
}

}  // namespace janus
