// DataLoader: every sample once per epoch, seeded shuffles, drop_last, layouts, identical
// batches with and without prefetching, worker errors surfaced, and the wait-time meter.
#include <janus/datasets/data_loader.h>
#include <janus/datasets/synthetic.h>

#include <catch2/catch.hpp>
#include <close.h>

#include <algorithm>
#include <chrono>
#include <thread>

using namespace janus::testing;  // close.h

using namespace janus::datasets;

namespace {

// n single-channel 2x2 images; image i is filled with i, label i % 3.
Dataset indexed(int64_t n) {
  std::vector<uint8_t> px(static_cast<size_t>(n * 4));
  std::vector<int32_t> labels;
  for (int64_t i = 0; i < n; ++i) {
    std::fill(px.begin() + i * 4, px.begin() + i * 4 + 4, static_cast<uint8_t>(i));
    labels.push_back(static_cast<int32_t>(i % 3));
  }
  return Dataset::from_uint8(px, {n, 1, 2, 2}, labels, {"a", "b", "c"});
}

std::vector<int64_t> ids_of_epoch(DataLoader& loader, int64_t epoch) {
  std::vector<int64_t> ids;
  for (const Batch& b : loader.epoch(epoch)) {
    for (int64_t k = 0; k < b.images.size(0); ++k) {
      const int64_t id = std::lround(b.images.data()[k * 4] * 255.0f);
      ids.push_back(id);
      CHECK(b.labels.data()[k] == static_cast<float>(id % 3));
    }
  }
  return ids;
}

class SlowTransform : public BatchTransform {
 public:
  void apply(float*, const janus::Shape&, janus::Generator&) const override {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::string name() const override { return "Slow"; }
};

class FailingTransform : public BatchTransform {
 public:
  void apply(float*, const janus::Shape& s, janus::Generator&) const override {
    JANUS_CHECK(s[0] != 3, "FailingTransform: batch of 3 rejected");
  }
  std::string name() const override { return "Failing"; }
};

}  // namespace

TEST_CASE("data loader visits every sample once per epoch", "[datasets]") {
  DataLoader loader(indexed(10), DataLoaderOptions(4).seed(7));
  CHECK(loader.num_batches() == 3);
  std::vector<int64_t> e0 = ids_of_epoch(loader, 0), e1 = ids_of_epoch(loader, 1);
  std::vector<int64_t> sorted = e0;
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  CHECK(e0 != e1);  // reshuffled per epoch
  CHECK(e0 == ids_of_epoch(loader, 0));  // and reproducibly
  DataLoader other(indexed(10), DataLoaderOptions(4).seed(8));
  CHECK(ids_of_epoch(other, 0) != e0);
  DataLoader plain(indexed(10), DataLoaderOptions(4).shuffle(false));
  CHECK(ids_of_epoch(plain, 5) == std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
}

TEST_CASE("data loader drop_last and batch sizes", "[datasets]") {
  DataLoader keep(indexed(10), DataLoaderOptions(4).shuffle(false));
  std::vector<int64_t> sizes;
  for (const Batch& b : keep.epoch(0)) sizes.push_back(b.labels.size(0));
  CHECK(sizes == std::vector<int64_t>{4, 4, 2});
  DataLoader drop(indexed(10), DataLoaderOptions(4).drop_last(true));
  CHECK(drop.num_batches() == 2);
  CHECK(ids_of_epoch(drop, 0).size() == 8);
  CHECK_THROWS_AS(DataLoader(indexed(3), DataLoaderOptions(0)), janus::Error);
}

TEST_CASE("data loader gives identical batches with and without prefetching", "[datasets]") {
  Dataset d = make_synthetic(SyntheticOptions().train_size(70), Split::kTrain);
  auto opts = [](int prefetch) {
    return DataLoaderOptions(16).seed(3).prefetch(prefetch)
        .transform(std::make_shared<RandomCrop>(4))
        .transform(std::make_shared<RandomHorizontalFlip>(0.5));
  };
  DataLoader sync(d, opts(0)), ahead(d, opts(3));
  for (int64_t epoch = 0; epoch < 2; ++epoch) {
    sync.start_epoch(epoch);
    ahead.start_epoch(epoch);
    Batch a, b;
    int count = 0;
    while (sync.next(a)) {
      REQUIRE(ahead.next(b));
      CHECK(a.index == b.index);
      CHECK(a.images.shape() == b.images.shape());
      CHECK_THAT(a.images, IsIdentical(b.images));
      CHECK_THAT(a.labels, IsIdentical(b.labels));
      ++count;
    }
    CHECK_FALSE(ahead.next(b));
    CHECK(count == 5);
  }
}

TEST_CASE("data loader channels-last layout is the transpose", "[datasets]") {
  Dataset d = make_synthetic(SyntheticOptions().train_size(8), Split::kTrain);
  DataLoader nchw(d, DataLoaderOptions(8).seed(1));
  DataLoader nhwc(d, DataLoaderOptions(8).seed(1).layout(Layout::kNHWC));
  Batch a, b;
  REQUIRE(nchw.next(a));
  REQUIRE(nhwc.next(b));
  REQUIRE(a.images.shape() == janus::Shape{8, 3, 32, 32});
  REQUIRE(b.images.shape() == janus::Shape{8, 32, 32, 3});
  for (int64_t n : {0, 5})
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t y : {0, 13, 31})
        for (int64_t x : {0, 7, 31}) CHECK(a.images.at({n, c, y, x}) == b.images.at({n, y, x, c}));
  // uint8 data arrives as [0, 1] floats.
  CHECK(a.images.at({0, 0, 0, 0}) == Approx(d.pixels()[nchw.epoch_order(0)[0] * 3072] / 255.0));
}

TEST_CASE("data loader measures the time spent waiting for data", "[datasets]") {
  DataLoader loader(indexed(12), DataLoaderOptions(4).transform(std::make_shared<SlowTransform>()));
  CHECK(loader.wait_seconds() == 0.0);
  for (const Batch& b : loader.epoch(0)) (void)b;
  // Three batches of >= 20 ms each, nothing else to overlap with: most of it is waiting.
  CHECK(loader.wait_seconds() > 0.045);
  loader.reset_wait_time();
  loader.start_epoch(1);
  Batch b;
  std::this_thread::sleep_for(std::chrono::milliseconds(150));  // "training" while it prefetches
  REQUIRE(loader.next(b));
  REQUIRE(loader.next(b));
  CHECK(loader.wait_seconds() < 0.015);
}

TEST_CASE("data loader rethrows worker errors and abandons epochs cleanly", "[datasets]") {
  DataLoader loader(indexed(7), DataLoaderOptions(4).shuffle(false)
                                    .transform(std::make_shared<FailingTransform>()));
  loader.start_epoch(0);
  Batch b;
  REQUIRE(loader.next(b));
  CHECK_THROWS_WITH(loader.next(b), Catch::Contains("batch of 3 rejected"));
  CHECK_FALSE(loader.next(b));
  // Start an epoch, take one batch and walk away: the destructor must not hang.
  DataLoader abandoned(indexed(100), DataLoaderOptions(2).prefetch(1));
  abandoned.start_epoch(0);
  REQUIRE(abandoned.next(b));
  abandoned.start_epoch(1);
  REQUIRE(abandoned.next(b));
}
