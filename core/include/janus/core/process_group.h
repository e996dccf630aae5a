// The collective interface data-parallel training needs (rank, size, in-place sum-allreduce,
// broadcast, allgather, barrier), so that core's ops (SyncBN in "normalize") and layers can
// talk to the other processes without knowing MPI. The default group is one process (rank 0
// of 1); distributed/ installs the Open MPI group when a program runs under mpirun.
//
//   ProcessGroup& pg = process_group();            // rank 0 of 1 unless distributed::init ran
//   pg.allreduce_sum(grad.data(), grad.numel());   // every rank gets the sum, in place
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace janus {

class ProcessGroup {
 public:
  virtual ~ProcessGroup() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // "single process", "Open MPI (4 ranks)".
  virtual std::string name() const = 0;
  // In place: every rank's data becomes the element-wise sum over ranks. The order of the
  // sum is the engine's; use allreduce_sum_ordered for the same bits on every N.
  virtual void allreduce_sum(float* data, int64_t n) = 0;
  virtual void allreduce_sum(double* data, int64_t n) = 0;
  // Root's `bytes` bytes are copied into every rank's buffer.
  virtual void broadcast(void* data, int64_t bytes, int root) = 0;
  // recv (size() * bytes) gets every rank's `bytes` bytes of send, in rank order.
  virtual void allgather(const void* send, int64_t bytes, void* recv) = 0;
  virtual void barrier() = 0;
  // Ends every process of the job with `code` after printing `why` (a rank that failed must
  // not leave the others waiting in a collective). Single process: std::exit(code).
  [[noreturn]] virtual void abort(int code, const std::string& why) = 0;

  bool is_root() const { return rank() == 0; }
};

// Rank 0 of 1: collectives are copies (allreduce and broadcast leave data as it is).
class SingleProcessGroup : public ProcessGroup {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::string name() const override { return "single process"; }
  void allreduce_sum(float*, int64_t) override {}
  void allreduce_sum(double*, int64_t) override {}
  void broadcast(void*, int64_t, int) override {}
  void allgather(const void* send, int64_t bytes, void* recv) override;
  void barrier() override {}
  [[noreturn]] void abort(int code, const std::string& why) override;
};

// The process group of this program (SingleProcessGroup until set_process_group).
ProcessGroup& process_group();
std::shared_ptr<ProcessGroup> process_group_ptr();
void set_process_group(std::shared_ptr<ProcessGroup> group);

// [begin, end) of the n samples of a global batch that `rank` of `world` takes: contiguous,
// in rank order, sizes differing by at most one (a rank gets 0 when n < world). The one rule
// of data-parallel sharding: the distributed sampler and Keras' fit() under mpirun use it.
std::pair<int64_t, int64_t> shard_range(int64_t n, int rank, int world);

// Sum over ranks whose bits depend neither on the number of ranks nor on the engine: every
// rank's values are gathered and combined with tree_sum (deterministic.h) in rank order. When
// each rank holds the tree_sum of the same number (a power of two) of consecutive leaves of
// one global list, the result is bit for bit the tree_sum of the whole list on one process.
// Costs an allgather (size() times the data) instead of an allreduce.
void allreduce_sum_ordered(ProcessGroup& group, double* data, int64_t n);
void allreduce_sum_ordered(ProcessGroup& group, float* data, int64_t n);

}  // namespace janus
