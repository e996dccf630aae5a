// DataLoader implementation. The worker thread produces batches of the current epoch in
// order into a queue of at most `prefetch` batches; next() pops them. A batch depends only
// on (seed, epoch, index), so timing can change when a batch is made but never its bytes.
// An exception in the worker is handed to the consumer and rethrown by next().
#include <janus/datasets/data_loader.h>

#include <janus/core/random.h>

#include "seed_mix.h"

#include <chrono>
#include <numeric>

namespace janus::datasets {

DataLoader::DataLoader(Dataset data, DataLoaderOptions options)
    : data_(std::move(data)), options_(std::move(options)) {
  JANUS_CHECK(options_.batch_size() > 0, "DataLoader: batch size must be > 0 (got {})",
              options_.batch_size());
  JANUS_CHECK(options_.prefetch_count() >= 0, "DataLoader: prefetch must be >= 0 (got {})",
              options_.prefetch_count());
  JANUS_CHECK(!data_.empty(), "DataLoader: the dataset is empty");
  for (const auto& t : options_.transforms()) {
    JANUS_CHECK(t != nullptr, "DataLoader: a transform is null");
  }
}

DataLoader::~DataLoader() { stop_worker(); }

int64_t DataLoader::num_batches() const {
  const int64_t n = data_.size(), b = options_.batch_size();
  return options_.drops_last() ? n / b : (n + b - 1) / b;
}

std::vector<int64_t> DataLoader::epoch_order(int64_t epoch) const {
  std::vector<int64_t> order(static_cast<size_t>(data_.size()));
  std::iota(order.begin(), order.end(), 0);
  if (options_.shuffles()) {
    // Fisher-Yates from a generator seeded by (seed, epoch).
    Generator gen(detail::mix_seed(options_.seed_value(), static_cast<uint64_t>(epoch), 0x5u));
    shuffle_indices(order, gen);
  }
  return order;
}

Batch DataLoader::make_batch(int64_t epoch, int64_t index) const {
  const int64_t b = options_.batch_size();
  const int64_t global_n = std::min(b, data_.size() - index * b);
  // This rank's slice of the global batch (all of it for one process).
  const auto [lo, hi] = shard_range(global_n, options_.sampler().rank, options_.sampler().world);
  const int64_t begin = index * b + lo;
  const int64_t n = hi - lo;
  const int64_t c = data_.channels(), h = data_.height(), w = data_.width(), m = c * h * w;
  Batch out;
  out.index = index;
  out.global_size = global_n;
  Tensor x = empty({n, c, h, w});  // (N, C, H, W)
  out.labels = empty({n});         // (N)
  for (int64_t k = 0; k < n; ++k) {
    const int64_t src = order_[static_cast<size_t>(begin + k)];
    data_.image_to_float(src, x.data() + k * m);
    out.labels.data()[k] = static_cast<float>(data_.label(src));
  }
  if (options_.per_sample()) {
    // One generator per image from its position in the epoch: the same draws for every N.
    const Shape one{1, c, h, w};
    for (int64_t k = 0; k < n; ++k) {
      Generator gen(detail::mix_seed(options_.seed_value(), static_cast<uint64_t>(epoch),
                                     0x200000000ULL + static_cast<uint64_t>(begin + k)));
      for (const auto& t : options_.transforms()) t->apply(x.data() + k * m, one, gen);
    }
  } else {
    Generator gen(detail::mix_seed(options_.seed_value(), static_cast<uint64_t>(epoch),
                                   0x100000000ULL + static_cast<uint64_t>(index)));
    for (const auto& t : options_.transforms()) t->apply(x.data(), x.shape(), gen);
  }
  if (options_.layout_value() == Layout::kNCHW) {
    out.images = x;
    return out;
  }
  Tensor y = empty({n, h, w, c});  // (N, H, W, C)
  for (int64_t k = 0; k < n; ++k) {
    const float* s = x.data() + k * m;
    float* d = y.data() + k * m;
    for (int64_t ch = 0; ch < c; ++ch) {
      for (int64_t p = 0; p < h * w; ++p) d[p * c + ch] = s[ch * h * w + p];
    }
  }
  out.images = y;
  return out;
}

void DataLoader::stop_worker() {
  if (!worker_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

void DataLoader::worker_loop(int64_t epoch) {
  const int64_t total = num_batches();
  const size_t capacity = static_cast<size_t>(options_.prefetch_count());
  for (int64_t i = 0; i < total; ++i) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || ready_.size() < capacity; });
      if (stop_) return;
    }
    Batch b;
    try {
      b = make_batch(epoch, i);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu_);
      error_ = std::current_exception();
      worker_done_ = true;
      cv_.notify_all();
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      ready_.push_back(std::move(b));
    }
    cv_.notify_all();
  }
  std::lock_guard<std::mutex> lock(mu_);
  worker_done_ = true;
  cv_.notify_all();
}

void DataLoader::start_epoch(int64_t epoch) {
  stop_worker();
  epoch_ = epoch;
  order_ = epoch_order(epoch);
  next_index_ = 0;
  ready_.clear();
  error_ = nullptr;
  stop_ = false;
  worker_done_ = false;
  if (options_.prefetch_count() > 0) worker_ = std::thread([this, epoch] { worker_loop(epoch); });
}

bool DataLoader::next(Batch& out) {
  if (epoch_ < 0) start_epoch(0);
  if (next_index_ >= num_batches()) return false;
  const auto t0 = std::chrono::steady_clock::now();
  if (options_.prefetch_count() == 0) {
    out = make_batch(epoch_, next_index_);
  } else {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !ready_.empty() || worker_done_; });
    if (ready_.empty()) {
      // The worker stopped early: only an error does that.
      std::exception_ptr err = error_;
      lock.unlock();
      next_index_ = num_batches();
      if (err) std::rethrow_exception(err);
      JANUS_FAIL("DataLoader: the worker ended before batch {} of {}", next_index_,
                 num_batches());
    }
    out = std::move(ready_.front());
    ready_.pop_front();
    lock.unlock();
    cv_.notify_all();
  }
  wait_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ++next_index_;
  return true;
}

DataLoader::Iterator::Iterator(DataLoader* loader, bool end) : loader_(loader), done_(end) {
  if (!done_) done_ = !loader_->next(batch_);
}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
  done_ = !loader_->next(batch_);
  return *this;
}

}  // namespace janus::datasets
