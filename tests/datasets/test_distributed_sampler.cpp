// The distributed sampler: contiguous shards that differ by at most one, and with
// per-sample augmentation the global batch at step k has the same bytes for every N.
#include <janus/datasets/data_loader.h>
#include <janus/datasets/distributed_sampler.h>
#include <janus/datasets/synthetic.h>

#include <catch2/catch.hpp>

#include <cstring>

using namespace janus::datasets;

TEST_CASE("shard_range: contiguous, covering, sizes differ by at most one") {
  for (int world : {1, 2, 3, 4, 16})
    for (int64_t n : {0, 1, 5, 10, 32, 33}) {
      int64_t expect = 0, lo_size = n, hi_size = 0;
      for (int r = 0; r < world; ++r) {
        const auto [lo, hi] = shard_range(n, r, world);
        CHECK(lo == expect);
        expect = hi;
        lo_size = std::min(lo_size, hi - lo);
        hi_size = std::max(hi_size, hi - lo);
      }
      CHECK(expect == n);
      CHECK(hi_size - lo_size <= 1);
    }
  CHECK(shard_range(10, 0, 4) == std::pair<int64_t, int64_t>{0, 2});
  CHECK(shard_range(10, 3, 4) == std::pair<int64_t, int64_t>{7, 10});
  CHECK_THROWS_WITH(DistributedSampler(4, 4), Catch::Contains("rank 4 is not a rank of a world of size 4"));
}

TEST_CASE("distributed loading: the global batch holds the same augmented images for every N") {
  const Dataset data = make_synthetic(SyntheticOptions().train_size(40).seed(3), Split::kTrain);
  auto options = [&](int rank, int world) {
    return DataLoaderOptions(16).seed(9).prefetch(0).distributed(DistributedSampler(rank, world))
        .transform(std::make_shared<RandomCrop>(4)).transform(std::make_shared<RandomHorizontalFlip>());
  };
  DataLoader one(data, options(0, 1));
  const int64_t m = data.image_numel();
  for (int world : {2, 4, 3}) {
    std::vector<std::unique_ptr<DataLoader>> ranks;
    for (int r = 0; r < world; ++r) ranks.push_back(std::make_unique<DataLoader>(data, options(r, world)));
    for (int64_t epoch : {0, 1}) {
      one.start_epoch(epoch);
      for (auto& l : ranks) l->start_epoch(epoch);
      Batch whole;
      while (one.next(whole)) {
        int64_t off = 0;
        for (int r = 0; r < world; ++r) {
          Batch part;
          REQUIRE(ranks[r]->next(part));
          CHECK(part.global_size == whole.images.size(0));
          const int64_t k = part.images.size(0);
          CHECK(std::memcmp(part.images.data(), whole.images.data() + off * m, sizeof(float) * k * m) == 0);
          CHECK(std::memcmp(part.labels.data(), whole.labels.data() + off, sizeof(float) * k) == 0);
          off += k;
        }
        CHECK(off == whole.images.size(0));  // the last batch (8 of 40) is uneven for N = 3
      }
    }
  }
}
