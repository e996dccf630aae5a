// A small fixed thread pool for janus' own loops, sized together with OpenBLAS.
#include <janus/core/error.h>
#include <janus/core/parallel.h>

#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace janus {

namespace {

int threads_from_environment() {
  if (const char* env = std::getenv("JANUS_NUM_THREADS")) {
    char* end = nullptr;
    const long n = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && n >= 1 && n <= 1024) return static_cast<int>(n);
    // A bad value is ignored rather than fatal: library code must not abort at load time.
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

// Workers wait for a job; the calling thread runs chunk 0's share too.
//
// Waking a sleeping thread (futex + inter-processor interrupt) took 25-65 us per parallel_for
// on the 2-core KVM machine of bench/README.md, and a training step of the benchmark CNN runs
// about a hundred of them: 6-14% of the step. So after each job a worker first spins on the
// job counter for up to kSpin before it sleeps, and the caller spins on the completion count
// for as long before it sleeps. The spin is bounded by time, not by iterations (the pause
// instruction's latency differs between CPU generations by more than 10x), and park() ends
// it at once: the caller parks the pool before it hands a GEMM to OpenBLAS' own threads, so
// janus' workers never spin against them.
class Pool {
 public:
  explicit Pool(int n) { resize(n); }
  ~Pool() { stop_workers(); }

  int size() const { return size_; }

  void resize(int n) {
    stop_workers();
    size_ = std::max(1, n);
    stopping_ = false;
    const uint64_t start = generation_.load();  // workers only react to jobs posted after they exist
    for (int i = 1; i < size_; ++i) workers_.emplace_back([this, i, start] { work(i, start); });
  }

  // Runs task(worker_index) on every worker and the caller, and waits for all.
  void run(const std::function<void(int)>& task) {
    if (size_ == 1) {
      task(0);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      task_ = &task;
      remaining_.store(size_ - 1, std::memory_order_relaxed);
      parked_.store(false, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();  // no system call when every worker is still spinning
    task(0);
    if (!spin_until([this] { return remaining_.load(std::memory_order_acquire) == 0; })) {
      std::unique_lock<std::mutex> lock(mutex_);
      done_.wait(lock, [this] { return remaining_.load(std::memory_order_acquire) == 0; });
    }
  }

  // Spinning workers go to sleep now instead of at the end of their spin.
  void park() { parked_.store(true, std::memory_order_relaxed); }

 private:
  // About the time of two wake-ups: long enough to bridge the gap between two parallel loops
  // of one op or of consecutive ops, short enough to cost nothing measurable when idle.
  static constexpr std::chrono::microseconds kSpin{100};

  // Spins until ready() or kSpin passes or the pool is parked; returns ready().
  template <typename Ready>
  bool spin_until(Ready ready) const {
    const auto deadline = std::chrono::steady_clock::now() + kSpin;
    for (int i = 0;; ++i) {
      if (ready()) return true;
      if (parked_.load(std::memory_order_relaxed)) return false;
      if ((i & 63) == 63 && std::chrono::steady_clock::now() > deadline) return ready();
      cpu_relax();
    }
  }

  static void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }

  void work(int index, uint64_t seen) {
    for (;;) {
      auto posted = [&] { return generation_.load(std::memory_order_acquire) != seen; };
      if (!spin_until([&] { return posted() || stopping_.load(); })) {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stopping_.load() || posted(); });
      }
      if (stopping_.load()) return;
      seen = generation_.load(std::memory_order_acquire);
      const std::function<void(int)>* task = task_;  // written before generation_ (release)
      (*task)(index);
      if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        // The caller may be between its last check and its wait: taking the mutex orders
        // this notify after that wait began, so the wake-up is never lost.
        { std::lock_guard<std::mutex> lock(mutex_); }
        done_.notify_one();
      }
    }
  }

  void stop_workers() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  int size_ = 1;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const std::function<void(int)>* task_ = nullptr;
  std::atomic<int> remaining_{0};
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> parked_{false};
};

struct State {
  State() : threads(threads_from_environment()), pool(threads) { openblas_set_num_threads(threads); }
  int threads;
  Pool pool;
  std::mutex run_mutex;  // one parallel_for at a time from outside the pool
};

State& state() {
  static State s;
  return s;
}

thread_local bool inside_parallel = false;

}  // namespace

int num_threads() { return state().threads; }

void detail::park_workers() { state().pool.park(); }

void set_num_threads(int n) {
  JANUS_CHECK(n >= 1, "set_num_threads: expected at least 1 thread (got {})", n);
  JANUS_CHECK(!inside_parallel, "set_num_threads: cannot be called inside parallel_for");
  State& s = state();
  std::lock_guard<std::mutex> lock(s.run_mutex);
  s.threads = n;
  s.pool.resize(n);
  openblas_set_num_threads(n);
}

std::vector<int64_t> parallel_chunks(int64_t begin, int64_t end, int64_t grain) {
  std::vector<int64_t> bounds{begin};
  if (end <= begin) {
    bounds.push_back(begin);
    return bounds;
  }
  grain = std::max<int64_t>(grain, 1);
  const int64_t n = end - begin;
  const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(num_threads(), n / grain));
  for (int64_t c = 1; c <= chunks; ++c) bounds.push_back(begin + n * c / chunks);
  return bounds;
}

void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& fn) {
  if (end <= begin) return;
  const std::vector<int64_t> bounds = parallel_chunks(begin, end, grain);
  const int64_t chunks = static_cast<int64_t>(bounds.size()) - 1;
  if (chunks == 1 || inside_parallel) {
    fn(begin, end);
    return;
  }
  State& s = state();
  std::lock_guard<std::mutex> lock(s.run_mutex);
  std::exception_ptr error;
  std::mutex error_mutex;
  const int workers = s.pool.size();
  s.pool.run([&](int w) {
    inside_parallel = true;
    for (int64_t c = w; c < chunks; c += workers) {
      try {
        fn(bounds[c], bounds[c + 1]);
      } catch (...) {
        std::lock_guard<std::mutex> g(error_mutex);
        if (!error) error = std::current_exception();
      }
    }
    inside_parallel = false;
  });
  if (error) std::rethrow_exception(error);
}

}  // namespace janus
