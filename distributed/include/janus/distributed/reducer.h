// The data-parallel wrapper's communication: one model on every rank (checked, broadcast
// from rank 0) and gradients summed into the single-process gradient of the global batch,
// in few large fused buffers. The torch frontend's DistributedDataParallel and Keras' fit()
// under mpirun use it; it needs only core's ProcessGroup, so it also runs as one process.
//
//   distributed::Reducer reducer(*net, janus::process_group_ptr());  // checks + broadcasts
//   const float s = reducer.loss_scale(local_batch);                  // local / global batch
//   (loss * s).backward();                                            // loss: mean over the local batch
//   reducer.reduce_gradients();                                       // = the global-batch gradient
#pragma once

#include <janus/core/process_group.h>
#include <janus/layers/module.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace janus::distributed {

struct ReducerOptions {
  // Gradients are packed into buckets of about this many bytes, one allreduce each
  // (PyTorch's bucket_cap_mb is 25). The benchmark CNN's gradient (160,234 floats, 641 KB) is one bucket.
  ReducerOptions& bucket_bytes(int64_t v) { bucket_bytes_ = v; return *this; }
  // Broadcast rank 0's buffers (running statistics) before every forward, as PyTorch's
  // broadcast_buffers=True. Default true.
  ReducerOptions& broadcast_buffers(bool v) { broadcast_buffers_ = v; return *this; }
  int64_t bucket_bytes_ = int64_t(25) << 20;
  bool broadcast_buffers_ = true;
};

class Reducer {
 public:
  // Checks that every rank built the same model (names and shapes of parameters and buffers:
  // a janus::Error on every rank naming the first difference), broadcasts rank 0's values,
  // then checks every tensor's checksum.
  Reducer(nn::Module& module, std::shared_ptr<ProcessGroup> group, ReducerOptions options = {});
  // The same for named tensors (e.g. a traced Graph's parameters and buffers; shared handles).
  Reducer(NamedTensors parameters, NamedTensors buffers, std::shared_ptr<ProcessGroup> group,
          ReducerOptions options = {});

  // local_count / (sum of local_count over ranks), one small allreduce: the factor by which
  // a rank's MEAN loss over its local batch is scaled BEFORE backward, so that every rank
  // backpropagates its part of the global-batch mean loss. Scaling before (not after)
  // backward matters with SyncBN on uneven shards: its backward sums every rank's dy,
  // which must all be gradients of the one global loss.
  float loss_scale(int64_t local_count);
  // After backward of the scaled losses: every parameter's gradient becomes the sum over
  // ranks, the gradient of the mean loss over the global batch, also for uneven shards. A
  // parameter without a gradient counts as zeros. In deterministic mode the sum is
  // allreduce_sum_ordered (the same bits for every N; see core/deterministic.h).
  void reduce_gradients();

  // Rank 0's buffers to every rank (no-op for one process or without buffers).
  void broadcast_buffers();
  // Rank 0's parameters and buffers to every rank.
  void broadcast_state();
  // Throws janus::Error on every rank if any rank's parameters and buffers differ from rank
  // 0's (names, shapes, or with values=true the bytes' checksum), naming the first one.
  void check_same_model(bool values);

  const ReducerOptions& options() const { return options_; }
  ProcessGroup& group() const { return *group_; }
  int64_t num_buckets() const { return static_cast<int64_t>(buckets_.size()); }
  // Seconds spent in collectives by the last reduce_gradients (the communication share).
  double last_reduce_seconds() const { return last_reduce_seconds_; }
  // Sum of the local counts over ranks in the last loss_scale.
  int64_t last_global_count() const { return last_global_count_; }

 private:
  void setup();
  NamedTensors params_, buffers_;
  std::shared_ptr<ProcessGroup> group_;
  ReducerOptions options_;
  std::vector<std::vector<Tensor>> buckets_;  // parameters, in reverse registration order
  std::vector<float> flat_;
  double last_reduce_seconds_ = 0;
  int64_t last_global_count_ = 0;
};

// Every rank's string, in rank order (strings of any length; two allgathers). The model check
// and the example programs' same-command-line check use it.
std::vector<std::string> allgather_strings(ProcessGroup& group, const std::string& mine);

// FNV-1a over a tensor's float bytes (the model check's checksum).
uint64_t tensor_checksum(const Tensor& t);

}  // namespace janus::distributed
