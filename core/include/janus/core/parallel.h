// Threads, on purpose. One setting says how many cores janus uses: set_num_threads(n) or
// the JANUS_NUM_THREADS environment variable (default: all cores). It sizes both janus'
// own pool and OpenBLAS, which never run at the same time (a GEMM is called from the main
// thread between parallel loops), so the cores are never oversubscribed.
//
// parallel_for splits [begin, end) into chunks whose boundaries depend only on the range
// and the grain, never on timing, so reductions written per chunk and combined in chunk
// order give the same bits run to run for a given thread count.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace janus {

int num_threads();
void set_num_threads(int n);

// Calls fn(chunk_begin, chunk_end) for consecutive chunks of at least `grain` items,
// on up to num_threads() threads. Runs inline when the range is small or when called
// from inside another parallel_for.
void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& fn);

// The chunk boundaries parallel_for would use: chunk i is [bounds[i], bounds[i+1]).
// Lets a reduction keep one partial result per chunk and combine them in order.
std::vector<int64_t> parallel_chunks(int64_t begin, int64_t end, int64_t grain);

namespace detail {
// Sends the pool's idle workers to sleep at once instead of after their short spin (see
// parallel.cpp): called before a GEMM runs on OpenBLAS' own threads, so that the two pools
// never spin against each other for the cores.
void park_workers();
}  // namespace detail

}  // namespace janus
