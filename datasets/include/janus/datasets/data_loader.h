// DataLoader: batches of a Dataset, shuffled per epoch from (seed, epoch), augmented per
// batch with generators seeded from (seed, epoch, batch index), and prepared ahead by a
// background worker thread. Results are identical with or without prefetching and
// whatever the timing. wait_seconds() is how long the consumer blocked for data, so
// training can report the data-loading share of an epoch.
//
//   DataLoader loader(train, DataLoaderOptions(128).seed(1).layout(Layout::kNHWC)
//                                .transform(std::make_shared<RandomHorizontalFlip>()));
//   for (int epoch = 0; epoch < 10; ++epoch) {
//     for (const Batch& b : loader.epoch(epoch)) {  // b.images (N, H, W, C), b.labels (N)
//       ...
//     }
//   }
#pragma once

#include <janus/datasets/dataset.h>
#include <janus/datasets/distributed_sampler.h>
#include <janus/datasets/transforms.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace janus::datasets {

// kNCHW for the torch frontend, kNHWC (channels-last) for the Keras frontend.
enum class Layout { kNCHW, kNHWC };

class DataLoaderOptions {
 public:
  explicit DataLoaderOptions(int64_t batch_size) : batch_size_(batch_size) {}
  // Reshuffle every epoch. Default true.
  DataLoaderOptions& shuffle(bool v) { shuffle_ = v; return *this; }
  // Drop the last incomplete batch. Default false.
  DataLoaderOptions& drop_last(bool v) { drop_last_ = v; return *this; }
  // Seed of the shuffles and augmentations. Default 0.
  DataLoaderOptions& seed(uint64_t v) { seed_ = v; return *this; }
  // Output layout of images. Default kNCHW.
  DataLoaderOptions& layout(Layout v) { layout_ = v; return *this; }
  // Batches the worker prepares ahead; 0 prepares each batch inside next(). Default 2.
  DataLoaderOptions& prefetch(int v) { prefetch_ = v; return *this; }
  // Data-parallel loading: batch_size is the global batch; each batch holds this rank's
  // slice of it (distributed_sampler.h). Turns per-sample augmentation on.
  DataLoaderOptions& distributed(DistributedSampler s) {
    sampler_ = s;
    per_sample_augmentation_ = true;
    return *this;
  }
  // Each image's augmentation from its own generator, seeded by (seed, epoch, position in
  // the epoch), instead of one generator per batch. Default false.
  DataLoaderOptions& per_sample_augmentation(bool v) { per_sample_augmentation_ = v; return *this; }
  // Appends a per-batch transform (applied in order, to (N, C, H, W) floats in [0, 1]).
  DataLoaderOptions& transform(std::shared_ptr<BatchTransform> t) {
    transforms_.push_back(std::move(t));
    return *this;
  }

  int64_t batch_size() const { return batch_size_; }
  bool shuffles() const { return shuffle_; }
  bool drops_last() const { return drop_last_; }
  uint64_t seed_value() const { return seed_; }
  Layout layout_value() const { return layout_; }
  int prefetch_count() const { return prefetch_; }
  const std::vector<std::shared_ptr<BatchTransform>>& transforms() const { return transforms_; }
  const DistributedSampler& sampler() const { return sampler_; }
  bool per_sample() const { return per_sample_augmentation_; }

 private:
  int64_t batch_size_;
  bool shuffle_ = true;
  bool drop_last_ = false;
  uint64_t seed_ = 0;
  Layout layout_ = Layout::kNCHW;
  int prefetch_ = 2;
  std::vector<std::shared_ptr<BatchTransform>> transforms_;
  DistributedSampler sampler_;
  bool per_sample_augmentation_ = false;
};

struct Batch {
  Tensor images;      // (N, C, H, W) or (N, H, W, C), float
  Tensor labels;      // (N) float class indices
  int64_t index = 0;  // batch number within the epoch
  int64_t global_size = 0;  // samples in the global batch (= images.size(0) for one process)
};

class DataLoader {
 public:
  DataLoader(Dataset data, DataLoaderOptions options);
  ~DataLoader();
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  int64_t num_batches() const;
  const Dataset& dataset() const { return data_; }
  const DataLoaderOptions& options() const { return options_; }

  // Begins `epoch` (its shuffle and augmentation streams); abandons an unfinished one.
  void start_epoch(int64_t epoch);
  // The next batch of the current epoch; false when it is exhausted. Starts epoch 0 if
  // no epoch was started.
  bool next(Batch& out);
  // The sample order of an epoch (what start_epoch(epoch) uses).
  std::vector<int64_t> epoch_order(int64_t epoch) const;

  // Seconds next() spent blocked waiting for data, since construction or reset.
  double wait_seconds() const { return wait_seconds_; }
  void reset_wait_time() { wait_seconds_ = 0.0; }

  // Range over one epoch: `for (const Batch& b : loader.epoch(e))`.
  class Iterator {
   public:
    Iterator(DataLoader* loader, bool end);
    const Batch& operator*() const { return batch_; }
    const Batch* operator->() const { return &batch_; }
    Iterator& operator++();
    bool operator!=(const Iterator& o) const { return done_ != o.done_; }

   private:
    DataLoader* loader_;
    Batch batch_;
    bool done_;
  };
  struct EpochRange {
    DataLoader* loader;
    Iterator begin() { return Iterator(loader, false); }
    Iterator end() { return Iterator(loader, true); }
  };
  EpochRange epoch(int64_t e) {
    start_epoch(e);
    return EpochRange{this};
  }

 private:
  Batch make_batch(int64_t epoch, int64_t index) const;
  void stop_worker();
  void worker_loop(int64_t epoch);

  Dataset data_;
  DataLoaderOptions options_;
  std::vector<int64_t> order_;  // sample order of the current epoch
  int64_t epoch_ = -1;
  int64_t next_index_ = 0;
  double wait_seconds_ = 0.0;

  // Worker state (guarded by mu_).
  std::thread worker_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Batch> ready_;
  std::exception_ptr error_;
  bool stop_ = false;
  bool worker_done_ = false;
};

}  // namespace janus::datasets
