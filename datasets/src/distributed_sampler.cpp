// DistributedSampler's checks and the contiguous shard of a global batch.
#include <janus/core/error.h>
#include <janus/core/process_group.h>
#include <janus/datasets/distributed_sampler.h>

namespace janus::datasets {

DistributedSampler::DistributedSampler(int r, int w) : rank(r), world(w) {
  JANUS_CHECK(w >= 1 && r >= 0 && r < w, "DistributedSampler: rank {} is not a rank of a world of size {}", r, w);
}

std::pair<int64_t, int64_t> shard_range(int64_t n, int rank, int world) { return janus::shard_range(n, rank, world); }

}  // namespace janus::datasets
