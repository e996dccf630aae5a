// train_epoch / evaluate: the reference recipe's inner loops.
#include "common/train_loop.h"
#include "common/data_parallel.h"

#include <janus/core/autograd.h>
#include <janus/core/ops/nn.h>
#include <janus/torch/distributed.h>
#include <janus/training/metrics.h>

#include <chrono>
#include <cmath>

namespace janus::examples {

namespace {
double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

EpochStats train_epoch(nn::Module& net, datasets::DataLoader& loader, int64_t epoch, optim::Optimizer& opt,
                       optim::LRScheduler* sched, int64_t& global_step, const StepHook& after_step,
                       const ProgressHook& progress) {
  net.train();
  // Under mpirun: the DDP wrapper's gradient sum after backward; each step's loss and hits
  // are summed over ranks (one allreduce of 3 doubles), so the progress line, the NaN check
  // and the epoch figures are the global batch's, the same on every rank.
  auto* ddp = dynamic_cast<torch::nn::parallel::DistributedDataParallel*>(&net);
  EpochStats s;
  const double t0 = now_seconds();
  const double wait0 = loader.wait_seconds();
  training::RunningMean loss_mean;
  int64_t hits = 0;
  const int64_t batches = loader.num_batches();
  for (const datasets::Batch& b : loader.epoch(epoch)) {
    Tensor logits = net(b.images);
    Tensor loss = cross_entropy(logits, b.labels);  // mean over this rank's batch
    int64_t n = b.labels.numel();
    double l = loss.item();
    int64_t batch_hits = training::count_correct(logits, b.labels);
    if (world_size() > 1) {
      double sums[3] = {l * static_cast<double>(n), static_cast<double>(batch_hits), static_cast<double>(n)};
      sum_over_ranks(sums, 3);
      n = static_cast<int64_t>(sums[2]);
      l = sums[0] / sums[2];
      batch_hits = static_cast<int64_t>(sums[1]);
    }
    JANUS_CHECK(std::isfinite(l), "training diverged: loss is {} at epoch {} step {} (try a lower --lr)", l, epoch + 1,
                global_step + 1);
    opt.zero_grad();
    loss.backward();
    if (ddp) ddp->reduce_gradients();
    opt.step();
    if (sched) sched->step();
    ++global_step;
    loss_mean.add(l, static_cast<double>(n));
    hits += batch_hits;
    s.images += n;
    if (after_step) after_step(global_step, b.images);
    if (progress) progress(b.index, batches, loss_mean.value(), static_cast<double>(hits) / s.images);
  }
  s.loss = loss_mean.value();
  s.acc = s.images ? static_cast<double>(hits) / s.images : 0.0;
  s.seconds = now_seconds() - t0;
  s.data_wait_seconds = loader.wait_seconds() - wait0;
  return s;
}

EpochStats evaluate(nn::Module& net, datasets::DataLoader& loader) {
  const bool was_training = net.is_training();
  // Under mpirun every rank evaluates with rank 0's running statistics.
  if (auto* ddp = dynamic_cast<torch::nn::parallel::DistributedDataParallel*>(&net)) ddp->reducer().broadcast_buffers();
  net.eval();
  NoGradGuard no_grad;
  EpochStats s;
  const double t0 = now_seconds();
  double loss_sum = 0;
  int64_t hits = 0;
  for (const datasets::Batch& b : loader.epoch(0)) {
    const int64_t n = b.labels.numel();
    if (n == 0) continue;  // a rank's empty slice of the last batch (eval makes no collective)
    Tensor logits = net(b.images);
    loss_sum += cross_entropy(logits, b.labels).item() * static_cast<double>(n);
    hits += training::count_correct(logits, b.labels);
    s.images += n;
  }
  net.train(was_training);
  if (world_size() > 1) {
    double sums[3] = {loss_sum, static_cast<double>(hits), static_cast<double>(s.images)};
    sum_over_ranks(sums, 3);
    loss_sum = sums[0];
    hits = static_cast<int64_t>(sums[1]);
    s.images = static_cast<int64_t>(sums[2]);
  }
  s.loss = s.images ? loss_sum / s.images : 0.0;
  s.acc = s.images ? static_cast<double>(hits) / s.images : 0.0;
  s.seconds = now_seconds() - t0;
  return s;
}

}  // namespace janus::examples
