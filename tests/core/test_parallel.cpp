// Threads: the setting, chunking, exceptions, and run-to-run identical results.
#include <catch2/catch.hpp>

#include <janus/core/ops.h>
#include <janus/core/parallel.h>
#include <janus/core/random.h>

#include <atomic>
#include <chrono>
#include <thread>

using namespace janus;

TEST_CASE("parallel_for covers the range exactly once", "[parallel]") {
  const int saved = num_threads();
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    CHECK(num_threads() == threads);
    std::vector<std::atomic<int>> hits(1000);
    parallel_for(0, 1000, 10, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) hits[i]++;
    });
    for (auto& h : hits) CHECK(h.load() == 1);
    auto bounds = parallel_chunks(0, 1000, 10);
    CHECK(bounds.front() == 0);
    CHECK(bounds.back() == 1000);
  }
  set_num_threads(saved);
  CHECK_THROWS_WITH(set_num_threads(0), Catch::Contains("at least 1 thread"));
}

TEST_CASE("an exception inside parallel_for reaches the caller", "[parallel]") {
  CHECK_THROWS_WITH(parallel_for(0, 100, 1,
                                 [](int64_t b, int64_t) {
                                   if (b > 0) JANUS_FAIL("boom at {}", b);
                                 }),
                    Catch::Contains("boom"));
  // The pool still works afterwards.
  std::atomic<int> n{0};
  parallel_for(0, 100, 1, [&](int64_t b, int64_t e) { n += static_cast<int>(e - b); });
  CHECK(n.load() == 100);
}

TEST_CASE("results are identical run to run for a fixed seed and thread count", "[parallel]") {
  const int saved = num_threads();
  set_num_threads(2);
  std::vector<float> first;
  for (int run = 0; run < 3; ++run) {
    Generator gen(11);
    Tensor x = randn({64, 1000}, &gen).requires_grad_();
    Tensor loss = sum(tanh(x * 1.3f) * x + mean(x, {1}, true));
    loss.backward();
    std::vector<float> now = x.grad().to_vector();
    now.push_back(loss.item());
    if (run == 0) first = now;
    CHECK(now == first);
  }
  set_num_threads(saved);
}

// The pool's workers spin briefly between jobs and sleep after; park() sends them to sleep at
// once. Every path must still run each chunk exactly once: back-to-back jobs (caught while
// spinning), jobs after a pause longer than the spin (workers asleep), and jobs right after a
// park (the path linalg takes before OpenBLAS' own threads run a GEMM).
TEST_CASE("parallel_for runs every job exactly once whether workers spin, sleep or are parked",
          "[parallel]") {
  const int saved = num_threads();
  for (int threads : {2, 3}) {
    set_num_threads(threads);
    std::atomic<int64_t> total{0};
    int64_t expected = 0;
    for (int job = 0; job < 3000; ++job) {
      if (job % 500 == 250) std::this_thread::sleep_for(std::chrono::milliseconds(2));
      if (job % 7 == 3) detail::park_workers();
      parallel_for(0, 64, 1, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) total += job * 64 + i;
      });
      for (int64_t i = 0; i < 64; ++i) expected += job * 64 + i;
      REQUIRE(total.load() == expected);
    }
  }
  set_num_threads(saved);
}
