// The examples' data-parallel plumbing (see data_parallel.h).
#include "common/data_parallel.h"

#include <janus/core/deterministic.h>
#include <janus/core/error.h>
#include <janus/core/parallel.h>
#include <janus/distributed/distributed.h>
#include <janus/distributed/reducer.h>
#include <janus/torch/distributed.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace janus::examples {

namespace {
std::vector<std::string>& command_line() {
  static std::vector<std::string> args;
  return args;
}
}  // namespace

bool under_mpirun() { return distributed::launched_by_mpirun(); }
int rank() { return process_group().rank(); }
int world_size() { return process_group().size(); }

void init_data_parallel() {
  distributed::init();
  if (!is_root()) {
    std::fflush(stdout);
    if (!std::freopen("/dev/null", "w", stdout)) std::fclose(stdout);
  }
}

void remember_command_line(int argc, char** argv) {
  command_line().assign(argv + 1, argv + argc);  // argv[0] may differ between nodes' paths
}

void check_same_command_line(const std::string& program) {
  if (world_size() == 1) return;
  std::string mine = std::string("JANUS_DETERMINISTIC=") + (deterministic() ? "1" : "0");
  for (const auto& a : command_line()) mine += '\n' + a;
  const std::vector<std::string> all = distributed::allgather_strings(process_group(), mine);
  for (int r = 1; r < world_size(); ++r) {
    if (all[static_cast<size_t>(r)] == all[0]) continue;
    auto words = [](const std::string& s) {
      std::vector<std::string> w;
      size_t b = 0;
      for (size_t e; (e = s.find('\n', b)) != std::string::npos; b = e + 1) w.push_back(s.substr(b, e - b));
      w.push_back(s.substr(b));
      return w;
    };
    const auto a = words(all[0]), b = words(all[static_cast<size_t>(r)]);
    size_t i = 0;
    while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
    const auto at = [](const std::vector<std::string>& w, size_t k) {
      if (k >= w.size()) return std::string("(nothing)");
      const bool value_of_flag = k > 1 && w[k - 1].rfind("--", 0) == 0;  // name the flag, not just its value
      return value_of_flag ? fmt::format("'{} {}'", w[k - 1], w[k]) : fmt::format("'{}'", w[k]);
    };
    JANUS_FAIL("{}: rank {} was started with another command line than rank 0: {} {} on rank 0 but {} on rank {} "
               "(every rank of a data-parallel run must get the same arguments and environment, or the ranks "
               "build different models and loaders)",
               program, r, i == 0 ? "the environment has" : fmt::format("argument {} is", i), at(a, i), at(b, i), r);
  }
}

int default_threads_per_rank() {
  if (std::getenv("JANUS_NUM_THREADS") || !under_mpirun()) return 0;  // the thread pool's own default
  const int cores = std::max(1u, std::thread::hardware_concurrency());
  int local = 1;
  if (const char* v = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE")) local = std::max(1, std::atoi(v));
  return std::max(1, cores / local);
}

void check_global_batch(int64_t global_batch) {
  JANUS_CHECK(global_batch >= world_size(),
              "--batch: the global batch {} is smaller than the {} processes (each rank needs at least one sample of "
              "every batch; --batch is the global batch, split over the ranks)",
              global_batch, world_size());
}

std::string data_parallel_line(int64_t global_batch) {
  if (!under_mpirun()) return "";
  const int64_t n = world_size(), lo = global_batch / n, hi = (global_batch + n - 1) / n;
  return fmt::format("data parallel: {} process(es) ({}), global batch {} ({} per process{}), augmentation drawn "
                     "per sample, {} thread(s) per process\n",
                     n, process_group().name(), global_batch, lo == hi ? fmt::format("{}", lo) : fmt::format("{}-{}", lo, hi),
                     lo == hi ? "" : ": uneven shards, exact", num_threads());
}

std::shared_ptr<nn::Module> data_parallel(std::shared_ptr<nn::Module> net) {
  if (!under_mpirun()) return net;
  return std::make_shared<torch::nn::parallel::DistributedDataParallel>(net);
}

void sum_over_ranks(double* values, int64_t n) {
  if (world_size() > 1) process_group().allreduce_sum(values, n);
}

}  // namespace janus::examples
