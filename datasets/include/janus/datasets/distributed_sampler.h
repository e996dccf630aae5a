// The distributed sampler: how N data-parallel processes split one global batch. Every rank
// draws the same global permutation per epoch from the seed (DataLoader::epoch_order); global
// batch k is positions [k B, k B + n) of it, and rank r takes the contiguous slice
// shard_range(n, r, N) of that batch. With per-sample augmentation each image's crop and flip
// come from a generator seeded by (seed, epoch, position in the epoch), so the global batch at
// step k holds the same images with the same augmentation for every N.
//
//   DataLoader loader(train, DataLoaderOptions(64)            // 64 = the GLOBAL batch
//                                .distributed(DistributedSampler(pg.rank(), pg.size())));
#pragma once

#include <cstdint>
#include <utility>

namespace janus::datasets {

struct DistributedSampler {
  DistributedSampler(int rank = 0, int world = 1);
  int rank = 0, world = 1;
};

// [begin, end) of the n samples of a global batch that `rank` of `world` takes: contiguous,
// sizes differ by at most one (uneven shards when world does not divide n; a rank may get 0).
std::pair<int64_t, int64_t> shard_range(int64_t n, int rank, int world);

}  // namespace janus::datasets
