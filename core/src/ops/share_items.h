// share_items: items claimed one at a time by the pool's threads, for loops whose items
// (images, chunks of images) each write their own results. Internal to core.
#pragma once

#include <janus/core/parallel.h>

#include <algorithm>
#include <atomic>
#include <cstdint>

namespace janus::detail {

// Runs body(next) once on each of the pool's threads (or once inline); body claims items with
// next.fetch_add(1) until none is left. Each item's result must not depend on the thread that
// computes it (images; dw's fixed parts), so the bits stay those of any thread count. Unlike
// parallel_for's fixed halves, a pool thread that starts late or is preempted (a VM's vCPU
// taken by the host) leaves its items to the others instead of holding up the join.
template <class Body>
void share_items(int64_t n, const Body& body) {
  std::atomic<int64_t> next{0};
  parallel_for(0, std::min<int64_t>(n, num_threads()), 1, [&](int64_t, int64_t) { body(next); });
}

// fn(i) for every i in [0, n), items claimed as share_items does.
template <class Fn>
void for_each_item(int64_t n, const Fn& fn) {
  share_items(n, [&](std::atomic<int64_t>& next) {
    for (int64_t i; (i = next.fetch_add(1)) < n;) fn(i);
  });
}

}  // namespace janus::detail
