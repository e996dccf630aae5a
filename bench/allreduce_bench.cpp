// Allreduce latency and bandwidth on this machine through janus' MPI process group: the
// alpha (per-message) and beta (per-byte) of docs/distributed.md's alpha-beta model.
//
//   mpirun --oversubscribe --allow-run-as-root --mca btl_vader_single_copy_mechanism none
//          -np 2 build/bench/allreduce_bench [--max-mb 16] [--reps 50]
//
// For each size (4 B .. max): the median of `reps` MPI_Allreduce(SUM) on floats, and the
// bus bandwidth 2 (p - 1) / p * bytes / time (the bytes a ring allreduce moves per rank).
// Also SyncBN's per-layer collective: an allgather of (count, mean, M2) for 128 channels.
#include "bench_header.h"

#include <janus/core/deterministic.h>
#include <janus/core/error.h>
#include <janus/core/process_group.h>
#include <janus/distributed/distributed.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace {

double median_seconds(janus::ProcessGroup& pg, int reps, const std::function<void()>& op) {
  std::vector<double> t;
  for (int i = 0; i < reps + 3; ++i) {
    pg.barrier();
    const auto t0 = std::chrono::steady_clock::now();
    op();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::vector<double> all(static_cast<size_t>(pg.size()));
    pg.allgather(&s, sizeof(double), all.data());
    if (i >= 3) t.push_back(*std::max_element(all.begin(), all.end()));  // the slowest rank
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  return janus::distributed::run(argc, argv, [&] {
    double max_mb = 16;
    int reps = 50;
    for (int i = 1; i + 1 < argc; i += 2) {
      const std::string k = argv[i];
      if (k == "--max-mb") max_mb = std::stod(argv[i + 1]);
      else if (k == "--reps") reps = std::stoi(argv[i + 1]);
      else JANUS_FAIL("allreduce_bench: unknown flag {}", k);
    }
    janus::ProcessGroup& pg = janus::process_group();
    const int p = pg.size();
    if (pg.is_root()) {
      janus::bench::print_machine("allreduce_bench");
      fmt::print("# {}, float sum-allreduce in place, median of {} reps, each the time of the slowest rank\n", pg.name(),
                 reps);
    }
    if (pg.is_root()) fmt::print("{:>12} {:>12} {:>14} {:>16}\n", "bytes", "time (us)", "busbw (GB/s)", "ordered (us)");
    for (int64_t bytes = 4; bytes <= static_cast<int64_t>(max_mb * (1 << 20)); bytes *= 4) {
      std::vector<float> buf(static_cast<size_t>(bytes / 4), 1.0f);
      const double t = median_seconds(pg, reps, [&] { pg.allreduce_sum(buf.data(), static_cast<int64_t>(buf.size())); });
      // Deterministic mode's allgather + fixed tree (costs p times the data).
      const double to = bytes <= (4 << 20) ? median_seconds(pg, std::max(5, reps / 5), [&] {
        janus::allreduce_sum_ordered(pg, buf.data(), static_cast<int64_t>(buf.size()));
      })
                                           : -1;
      const double busbw = p > 1 ? 2.0 * (p - 1) / p * static_cast<double>(bytes) / t / 1e9 : 0.0;
      if (pg.is_root())
        fmt::print("{:>12} {:>12.1f} {:>14.3f} {:>16}\n", bytes, t * 1e6, busbw,
                   to >= 0 ? fmt::format("{:.1f}", to * 1e6) : "-");
    }
    // SyncBN forward collective for a 128-channel layer: allgather of 1 + 2*128 doubles.
    std::vector<double> mine(257, 1.0), all(257 * static_cast<size_t>(p));
    const double tg = median_seconds(pg, reps, [&] { pg.allgather(mine.data(), 257 * 8, all.data()); });
    std::vector<double> sums(256, 1.0);
    const double tb = median_seconds(pg, reps, [&] { pg.allreduce_sum(sums.data(), 256); });
    if (pg.is_root())
      fmt::print("SyncBN per layer (128 channels): forward allgather {:.1f} us, backward allreduce {:.1f} us\n",
                 tg * 1e6, tb * 1e6);
    return 0;
  });
}
