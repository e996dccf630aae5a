// Deterministic mode: where janus promises bit-identical results for any number of processes
// and threads, every reduction over the batch sums fixed leaves (one sample each) in one fixed
// binary tree. Off by default (it costs time and memory, see docs/distributed.md); on with
// set_deterministic(true) or JANUS_DETERMINISTIC=1.
//
// The tree: tree_sum(v[0..n)) = tree_sum(v[0..p)) + tree_sum(v[p..n)), p the largest power of
// two below n. Any aligned block of 2^k leaves is a subtree, so a process that sums its 2^k
// samples and then combines the per-process sums with the same rule (allreduce_sum_ordered)
// gets the very bits one process gets from the whole batch.
#pragma once

#include <cstdint>

namespace janus {

bool deterministic();
void set_deterministic(bool on);

// out[j] = tree sum over i < n of parts[i * stride_n + j * stride_w], for j < width; parallel
// over j only, so the result is the same for every thread count. out may not alias parts.
void tree_sum(const float* parts, int64_t n, int64_t stride_n, int64_t width, int64_t stride_w, float* out);
void tree_sum(const double* parts, int64_t n, int64_t stride_n, int64_t width, int64_t stride_w, double* out);

}  // namespace janus
