// core's process group without MPI (rank 0 of 1) and deterministic mode's tree sum: the
// tree of aligned blocks equals the tree of the whole, which is what makes N processes
// bit-identical to one (tests/distributed proves it under mpirun).
#include <janus/core/deterministic.h>
#include <janus/core/process_group.h>
#include <janus/core/random.h>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <vector>

using namespace janus;

TEST_CASE("the default process group is rank 0 of 1") {
  ProcessGroup& pg = process_group();
  CHECK(pg.rank() == 0);
  CHECK(pg.size() == 1);
  CHECK(pg.is_root());
  std::vector<float> v{1.5f, -2.0f};
  pg.allreduce_sum(v.data(), 2);
  CHECK(v == std::vector<float>{1.5f, -2.0f});
  double d[2] = {0, 0}, s = 4.0;
  pg.allgather(&s, sizeof(double), d);
  CHECK(d[0] == 4.0);
  CHECK_THROWS_WITH(set_process_group(nullptr), Catch::Contains("expected a process group"));
}

TEST_CASE("tree_sum: aligned blocks summed by the same rule give the bits of the whole") {
  Generator gen(11);
  for (int64_t n : {64, 48, 12}) {
    std::vector<float> leaves(static_cast<size_t>(n * 3));
    for (auto& v : leaves) v = static_cast<float>(gen.normal() * std::pow(10.0, gen.uniform() * 6 - 3));
    float whole[3];
    tree_sum(leaves.data(), n, 3, 3, 1, whole);
    for (int64_t ranks : {2, 4, 3}) {
      const int64_t per = n / ranks;
      if (per * ranks != n || (per & (per - 1)) != 0) continue;  // blocks of 2^k leaves
      std::vector<float> partial(static_cast<size_t>(ranks * 3));
      for (int64_t r = 0; r < ranks; ++r) tree_sum(leaves.data() + r * per * 3, per, 3, 3, 1, partial.data() + r * 3);
      float combined[3];
      tree_sum(partial.data(), ranks, 3, 3, 1, combined);
      CHECK(std::memcmp(whole, combined, sizeof whole) == 0);
    }
    // Plain left-to-right float summation is not this tree: the test would notice a fallback.
    float seq = 0;
    for (int64_t i = 0; i < n; ++i) seq += leaves[static_cast<size_t>(i * 3)];
    CHECK(seq == Approx(whole[0]).epsilon(1e-4));
  }
  float none[2] = {7, 7};
  tree_sum(static_cast<const float*>(nullptr), 0, 2, 2, 1, none);
  CHECK(none[0] == 0.0f);
}

TEST_CASE("deterministic mode is a switch") {
  const bool was = deterministic();
  set_deterministic(true);
  CHECK(deterministic());
  set_deterministic(false);
  CHECK_FALSE(deterministic());
  set_deterministic(was);
}
