// DistributedDataParallel: the module wrapper around distributed::Reducer.
#include <janus/core/autograd.h>
#include <janus/core/error.h>
#include <janus/core/ops/elementwise.h>
#include <janus/torch/distributed.h>

namespace janus::torch::nn::parallel {

DistributedDataParallel::DistributedDataParallel(std::shared_ptr<janus::nn::Module> module,
                                                 DistributedDataParallelOptions options,
                                                 std::shared_ptr<ProcessGroup> group)
    : janus::nn::Module("DistributedDataParallel"),
      module_(module ? module : throw Error("DistributedDataParallel: expected a module (got null)")),
      reducer_(*module_, std::move(group), options) {
  register_module("module", module_);
}

Tensor DistributedDataParallel::forward(const Tensor& x) {
  JANUS_CHECK(x.defined() && x.dim() >= 1, "DistributedDataParallel: forward expects a batch (N, ...)");
  last_local_count_ = x.size(0);
  // Eval and no-grad forwards make no collective: ranks may evaluate different amounts.
  const bool training = is_training() && GradMode::is_enabled();
  if (training && reducer_.options().broadcast_buffers_) reducer_.broadcast_buffers();
  Tensor y = module_->forward(x);
  if (!training || reducer_.group().size() == 1) return y;
  last_scale_ = reducer_.loss_scale(last_local_count_);
  // Identity forward; backward multiplies the incoming gradient by local / global batch.
  Tensor out = y.detach().clone();
  const float s = last_scale_;
  record(out, "ddp_loss_scale", {y}, [s](const Tensor& g, const std::vector<bool>&) {
    return std::vector<Tensor>{g * s};
  });
  return out;
}

void DistributedDataParallel::reduce_gradients() { reducer_.reduce_gradients(); }

}  // namespace janus::torch::nn::parallel
