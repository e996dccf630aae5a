// The caching allocator behind Storage (core/allocator.h): buffers are reused by size
// class, aligned, bounded by the cache limit, and the limit 0 turns caching off.
#include <catch2/catch.hpp>

#include <janus/core/allocator.h>
#include <janus/core/tensor.h>

#include <cstdint>

using namespace janus;

TEST_CASE("allocator reuses a freed buffer of the same size class", "[allocator]") {
  const size_t old_limit = cache_limit_bytes();
  set_cache_limit_bytes(size_t(64) << 20);
  const size_t bytes = 3 * 1000 * 1000 + 12;  // an odd size: rounded to a class
  float* a = storage_alloc(bytes);
  REQUIRE(reinterpret_cast<uintptr_t>(a) % 64 == 0);
  a[bytes / sizeof(float) - 1] = 1.0f;  // the whole request is usable
  storage_free(a, bytes);
  const AllocatorStats before = allocator_stats();
  CHECK(before.cached_bytes >= static_cast<int64_t>(bytes));
  float* b = storage_alloc(bytes - 100);  // same class
  const AllocatorStats after = allocator_stats();
  CHECK(b == a);
  CHECK(after.hits == before.hits + 1);
  CHECK(after.cached_bytes < before.cached_bytes);
  storage_free(b, bytes - 100);
  set_cache_limit_bytes(old_limit);
}

TEST_CASE("allocator with limit 0 caches nothing and empty_cache releases all", "[allocator]") {
  const size_t old_limit = cache_limit_bytes();
  set_cache_limit_bytes(size_t(64) << 20);
  { Tensor t = empty({1000, 100}); }
  CHECK(allocator_stats().cached_bytes > 0);
  empty_cache();
  CHECK(allocator_stats().cached_bytes == 0);
  set_cache_limit_bytes(0);
  const int64_t misses = allocator_stats().misses;
  { Tensor t = empty({1000, 100}); }
  { Tensor t = empty({1000, 100}); }
  CHECK(allocator_stats().cached_bytes == 0);
  CHECK(allocator_stats().misses == misses + 2);
  set_cache_limit_bytes(old_limit);
}

TEST_CASE("tensors from reused buffers still start as documented", "[allocator]") {
  { Tensor t = full({256, 256}, 7.0f); }
  Tensor z = zeros({256, 256});  // likely the buffer just freed: must be zero-filled again
  float m = 0.0f;
  for (float v : z.to_vector()) m = v > m ? v : m;
  CHECK(m == 0.0f);
  CHECK(ones({3}).to_vector() == std::vector<float>{1.0f, 1.0f, 1.0f});
}
