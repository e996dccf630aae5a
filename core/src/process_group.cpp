// The single-process group, the program's default group, and the ordered (N-independent) sum.
#include <janus/core/deterministic.h>
#include <janus/core/error.h>
#include <janus/core/process_group.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

namespace janus {

void SingleProcessGroup::allgather(const void* send, int64_t bytes, void* recv) {
  if (bytes > 0 && send != recv) std::memmove(recv, send, static_cast<size_t>(bytes));
}

void SingleProcessGroup::abort(int code, const std::string& why) {
  std::fprintf(stderr, "%s\n", why.c_str());
  std::fflush(stderr);
  std::exit(code);
}

namespace {

struct Default {
  std::mutex mutex;
  std::shared_ptr<ProcessGroup> group = std::make_shared<SingleProcessGroup>();
};

Default& current() {
  static Default d;
  return d;
}

template <typename T>
void ordered_sum(ProcessGroup& g, T* data, int64_t n) {
  const int p = g.size();
  if (p == 1 || n <= 0) return;
  std::vector<T> all(static_cast<size_t>(n) * p);
  g.allgather(data, static_cast<int64_t>(sizeof(T)) * n, all.data());
  tree_sum(all.data(), p, n, n, 1, data);
}

}  // namespace

std::pair<int64_t, int64_t> shard_range(int64_t n, int rank, int world) {
  JANUS_CHECK(world >= 1 && rank >= 0 && rank < world && n >= 0,
              "shard_range: rank {} of {} for a batch of {} samples", rank, world, n);
  return {n * rank / world, n * (rank + 1) / world};
}

ProcessGroup& process_group() { return *process_group_ptr(); }

std::shared_ptr<ProcessGroup> process_group_ptr() {
  Default& d = current();
  std::lock_guard<std::mutex> lock(d.mutex);
  return d.group;
}

void set_process_group(std::shared_ptr<ProcessGroup> group) {
  JANUS_CHECK(group != nullptr, "set_process_group: expected a process group (got null)");
  Default& d = current();
  std::lock_guard<std::mutex> lock(d.mutex);
  d.group = std::move(group);
}

void allreduce_sum_ordered(ProcessGroup& group, double* data, int64_t n) { ordered_sum(group, data, n); }
void allreduce_sum_ordered(ProcessGroup& group, float* data, int64_t n) { ordered_sum(group, data, n); }

}  // namespace janus
