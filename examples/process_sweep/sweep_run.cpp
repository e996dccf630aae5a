// run_sweep_point: one (norm, N) point of process_sweep, for real under mpirun or simulated.
#include "process_sweep/sweep_run.h"

#include "common/bench_cnn.h"

#include <janus/core/autograd.h>
#include <janus/core/error.h>
#include <janus/core/ops/elementwise.h>
#include <janus/core/ops/nn.h>
#include <janus/core/optim/optim.h>
#include <janus/core/process_group.h>
#include <janus/datasets/distributed_sampler.h>
#include <janus/layers/norm.h>
#include <janus/torch/distributed.h>
#include <janus/training/metrics.h>

#include <chrono>
#include <cmath>
#include <memory>

namespace janus::examples {

namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The benchmark CNN for `norm`; syncbn is the bn net with every BatchNorm2d synchronized
// (convert_sync_batchnorm), so both start from the same weights.
std::shared_ptr<nn::Module> make_net(const std::string& norm, uint64_t seed) {
  if (norm == "syncbn") return nn::convert_sync_batchnorm(make_bench_cnn_for_seed("bn", seed));
  return make_bench_cnn_for_seed(norm, seed);
}

std::unique_ptr<datasets::DataLoader> train_loader(const datasets::Dataset& train, int64_t batch, uint64_t seed,
                                                   int rank, int world) {
  // The examples' recipe (make_train_loader), with the distributed sampler: per-sample crops
  // and flips, so the global batch of step k is the same images, augmented alike, for every N.
  auto opts = datasets::DataLoaderOptions(batch).shuffle(true).drop_last(true).seed(seed);
  opts.distributed(datasets::DistributedSampler(rank, world));
  opts.transform(std::make_shared<datasets::RandomCrop>(4));
  opts.transform(std::make_shared<datasets::RandomHorizontalFlip>(0.5));
  return std::make_unique<datasets::DataLoader>(train, opts);
}

Tensor rows(const Tensor& x, int64_t lo, int64_t hi) { return x.narrow(0, lo, hi - lo).clone(); }

// Test accuracy and loss over the whole test set; each rank evaluates its shard.
void evaluate(nn::Module& net, const datasets::Dataset& test, ProcessGroup& pg, RunResult& r) {
  net.eval();
  NoGradGuard no_grad;
  auto opts = datasets::DataLoaderOptions(500).shuffle(false).drop_last(false);
  opts.distributed(datasets::DistributedSampler(pg.rank(), pg.size()));
  datasets::DataLoader loader(test, opts);
  double sums[3] = {0, 0, 0};  // loss * n, hits, n
  for (const datasets::Batch& b : loader.epoch(0)) {
    const int64_t n = b.labels.numel();
    if (n == 0) continue;  // a rank's empty slice of the last batch (eval makes no collective)
    Tensor logits = net(b.images);
    sums[0] += cross_entropy(logits, b.labels).item() * static_cast<double>(n);
    sums[1] += static_cast<double>(training::count_correct(logits, b.labels));
    sums[2] += static_cast<double>(n);
  }
  pg.allreduce_sum(sums, 3);
  r.test_loss = sums[2] > 0 ? sums[0] / sums[2] : 0.0;
  r.test_acc = sums[2] > 0 ? sums[1] / sums[2] : 0.0;
  net.train();
}

}  // namespace

void check_sweep_norm(const std::string& norm) {
  if (norm != "syncbn") check_norm_kind(norm);
}

std::string sweep_norm_description(const std::string& norm) {
  if (norm == "syncbn") return "synchronized batch norm (SyncBatchNorm)";
  if (norm == "bn") return "batch norm, per-process statistics (BatchNorm2d)";
  return norm_description(norm);
}

RunResult run_sweep_point(const RunConfig& cfg, const CifarData& data) {
  check_sweep_norm(cfg.norm);
  ProcessGroup& pg = process_group();
  const int world = pg.size();
  JANUS_CHECK(!cfg.simulated || world == 1,
              "--simulate runs in one process; under mpirun -np {} every rank is a real process (drop --simulate)",
              world);
  JANUS_CHECK(cfg.simulated || cfg.processes == world, "run_sweep_point: {} processes asked, {} running",
              cfg.processes, world);
  const int n_proc = cfg.processes;
  JANUS_CHECK(cfg.global_batch % n_proc == 0,
              "--batch {} is not a multiple of {} processes: this lesson compares equal per-process batches of "
              "batch / N (uneven shards are exact in janus, but would mix two per-process batch sizes)",
              cfg.global_batch, n_proc);

  auto net = make_net(cfg.norm, cfg.seed);
  // Real: every rank holds its DistributedDataParallel (checks, broadcasts rank 0's model).
  std::shared_ptr<torch::nn::parallel::DistributedDataParallel> ddp;
  if (!cfg.simulated) ddp = std::make_shared<torch::nn::parallel::DistributedDataParallel>(net);
  auto loader = train_loader(data.train, cfg.global_batch, cfg.seed, pg.rank(), world);
  const int64_t spe = loader->num_batches();
  optim::SGD opt(net->parameters(), optim::SGDOptions(cfg.lr).momentum(0.9).weight_decay(5e-4));
  optim::LambdaLR sched(opt, optim::warmup_cosine(static_cast<int64_t>(cfg.warmup * static_cast<double>(spe)),
                                                  spe * cfg.epochs));
  // Ghost batches: SyncBN's statistics span the whole global batch, so it is one forward.
  const int ghosts = cfg.simulated && cfg.norm != "syncbn" ? n_proc : 1;
  RunResult r;
  const double t0 = now_seconds();
  for (int ep = 0; ep < cfg.epochs; ++ep) {
    std::vector<double> sums;  // this rank's loss * n per step, summed over ranks below
    for (const datasets::Batch& b : loader->epoch(ep)) {
      const int64_t n = b.labels.numel();
      double step_sum = 0;
      opt.zero_grad();
      if (ddp) {
        Tensor loss = cross_entropy((*ddp)(b.images), b.labels);  // mean over the local batch
        step_sum = loss.item() * static_cast<double>(n);
        loss.backward();  // DDP scaled the output gradient by local / global batch
        ddp->reduce_gradients();
      } else {
        // Rank 0's running statistics saw its shard only (broadcast_buffers): keep ghost 0's.
        std::vector<Tensor> kept;
        for (int c = 0; c < ghosts; ++c) {
          const auto [lo, hi] = datasets::shard_range(n, c, ghosts);
          Tensor loss = cross_entropy((*net)(rows(b.images, lo, hi)), rows(b.labels, lo, hi));
          if (c == 0 && ghosts > 1)
            for (const Tensor& t : net->buffers()) kept.push_back(t.clone());
          step_sum += loss.item() * static_cast<double>(hi - lo);
          (loss * (static_cast<float>(hi - lo) / static_cast<float>(n))).backward();
        }
        std::vector<Tensor> bufs = net->buffers();
        for (size_t i = 0; i < kept.size(); ++i) bufs[i].copy_(kept[i]);
      }
      JANUS_CHECK(std::isfinite(step_sum), "training diverged: loss is {} at epoch {} (try a lower --lr)",
                  step_sum, ep + 1);
      opt.step();
      sched.step();
      sums.push_back(step_sum);
      ++r.steps;
    }
    pg.allreduce_sum(sums.data(), static_cast<int64_t>(sums.size()));  // one collective per epoch
    double epoch_sum = 0;
    for (double s : sums) {
      r.step_losses.push_back(s / static_cast<double>(cfg.global_batch));
      epoch_sum += s;
    }
    r.train_loss = epoch_sum / static_cast<double>(cfg.global_batch * static_cast<int64_t>(sums.size()));
  }
  r.seconds = now_seconds() - t0;
  if (ddp) ddp->reducer().broadcast_buffers();  // every rank evaluates with rank 0's statistics
  evaluate(*net, data.test, pg, r);
  return r;
}

}  // namespace janus::examples
