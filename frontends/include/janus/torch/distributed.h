// torch::nn::parallel::DistributedDataParallel: data-parallel training of a module over the
// ranks of the process group (Open MPI under mpirun, or one process). Construction checks that
// every rank built the same model and broadcasts rank 0's parameters and buffers. forward()
// in training broadcasts rank 0's buffers (broadcast_buffers), and its output's gradient is
// scaled by local batch / global batch, so that a loss that is the mean over the local batch
// backpropagates this rank's part of the global-batch mean loss (SyncBN's backward then sums
// consistent gradients, also on uneven shards). After loss.backward(), reduce_gradients()
// sums the gradients over ranks, in fused buckets: the single-process gradient of the
// global batch. Gradients are reduced after backward, not overlapped with it: Open MPI has
// no progress thread, and the measured communication share is small (docs/distributed.md).
//
//   auto net = nn::convert_sync_batchnorm(make_net());
//   auto ddp = std::make_shared<nn::parallel::DistributedDataParallel>(net);
//   Tensor loss = criterion((*ddp)(x_local), y_local);
//   opt.zero_grad(); loss.backward(); ddp->reduce_gradients(); opt.step();
#pragma once

#include <janus/distributed/reducer.h>
#include <janus/layers/module.h>

#include <memory>

namespace janus::torch::nn::parallel {

using DistributedDataParallelOptions = distributed::ReducerOptions;

class DistributedDataParallel : public janus::nn::Module {
 public:
  explicit DistributedDataParallel(std::shared_ptr<janus::nn::Module> module,
                                   DistributedDataParallelOptions options = {},
                                   std::shared_ptr<ProcessGroup> group = process_group_ptr());
  // Runs the wrapped module; x's first axis is this rank's batch (may differ between ranks).
  Tensor forward(const Tensor& x) override;
  // The global-batch gradient: the sum over ranks (after backward).
  void reduce_gradients();

  janus::nn::Module& module() { return *module_; }
  std::shared_ptr<janus::nn::Module> module_ptr() const { return module_; }
  distributed::Reducer& reducer() { return reducer_; }
  int64_t last_local_count() const { return last_local_count_; }
  // local / global batch of the last training forward (1 for one process).
  float last_loss_scale() const { return last_scale_; }

 private:
  std::shared_ptr<janus::nn::Module> module_;
  distributed::Reducer reducer_;
  int64_t last_local_count_ = -1;
  float last_scale_ = 1.0f;
};

}  // namespace janus::torch::nn::parallel
