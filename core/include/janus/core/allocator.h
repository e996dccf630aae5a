// The caching allocator behind every Storage: freed buffers are kept in size classes and
// handed out again, so a training loop that allocates the same multi-MB activations every
// step stops paying for fresh pages (page faults, zeroing by the kernel, munmap).
//
// Size classes are 4 per power of two (waste <= 25%); the cache holds at most
// cache_limit_bytes() (JANUS_ALLOC_CACHE_MB, default 1024; 0 disables caching). Reused
// buffers are NOT zeroed: empty() is uninitialized, as documented.
#pragma once

#include <cstddef>
#include <cstdint>

namespace janus {

// A 64-byte aligned buffer of at least `bytes` bytes (never null; throws std::bad_alloc).
float* storage_alloc(size_t bytes);
// Returns a buffer from storage_alloc of the same requested size.
void storage_free(float* data, size_t bytes);

struct AllocatorStats {
  int64_t hits = 0;          // allocations served from the cache
  int64_t misses = 0;        // allocations that went to the system
  int64_t cached_bytes = 0;  // bytes held by the cache now
};
AllocatorStats allocator_stats();
// Gives every cached buffer back to the system.
void empty_cache();
size_t cache_limit_bytes();
// Changes the limit (0 disables caching); trims the cache to it.
void set_cache_limit_bytes(size_t bytes);

}  // namespace janus
