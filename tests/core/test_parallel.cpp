// Threads: the setting, chunking, exceptions, and run-to-run identical results.
#include <catch2/catch.hpp>

#include <janus/core/ops.h>
#include <janus/core/parallel.h>
#include <janus/core/random.h>

#include <atomic>

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
