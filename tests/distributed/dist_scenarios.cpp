// The data-parallel proofs and fault cases, run under `mpirun -np N` by ctest (run_mpi.sh).
// Each scenario computes its single-process reference itself (on a SingleProcessGroup, the
// whole global batch) and compares every rank's distributed result with it; a mismatch throws,
// which ends the job non-zero through distributed::run. Usage: dist_scenarios <scenario>.
#include <janus/core/deterministic.h>
#include <janus/core/ops/elementwise.h>
#include <janus/core/ops/nn.h>
#include <janus/core/ops/norm.h>
#include <janus/core/ops/reduce.h>
#include <janus/core/optim/sgd.h>
#include <janus/core/parallel.h>
#include <janus/core/random.h>
#include <janus/datasets/distributed_sampler.h>
#include <janus/distributed/distributed.h>
#include <janus/torch/torch.h>

#include <csignal>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

using namespace janus;
namespace nn = janus::torch::nn;
using janus::datasets::shard_range;

constexpr int64_t kSteps = 20;

// Rows [lo, hi) of x along the first axis, as a new tensor.
Tensor rows(const Tensor& x, int64_t lo, int64_t hi) {
  Shape s = x.shape();
  const int64_t per = s[0] == 0 ? 0 : x.numel() / s[0];
  s[0] = hi - lo;
  Tensor out = empty(s);
  if (hi > lo) std::memcpy(out.data(), x.data() + lo * per, sizeof(float) * (hi - lo) * per);
  return out;
}

// Small CNN on 3x8x8 images: [conv -> BN -> relu -> pool] x2 -> linear. Weights from
// Generator(seed), so ranks may start different (DDP's broadcast must fix that).
std::shared_ptr<nn::Sequential> make_net(bool sync, uint64_t seed, int64_t width = 8) {
  auto net = std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Conv2d>(nn::Conv2dOptions(3, width, 3).padding(1).bias(false)),
      std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions(width)), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::MaxPool2d>(2),
      std::make_shared<nn::Conv2d>(nn::Conv2dOptions(width, 16, 3).padding(1).bias(false)),
      std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions(16)), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::MaxPool2d>(2), std::make_shared<nn::Flatten>(), std::make_shared<nn::Linear>(64, 10)});
  Generator gen(seed);
  for (Tensor p : net->parameters()) {
    const Tensor r = uniform(p.shape(), -0.4f, 0.4f, &gen);
    std::memcpy(p.data(), r.data(), sizeof(float) * p.numel());
  }
  if (sync) nn::convert_sync_batchnorm(net);
  return net;
}

// The global batch of a step: the same on every rank.
void global_batch(int64_t step, int64_t batch, Tensor& x, Tensor& y) {
  Generator gen(1000 + static_cast<uint64_t>(step));
  x = randn({batch, 3, 8, 8}, &gen);
  y = empty({batch});
  for (int64_t i = 0; i < batch; ++i) y.data()[i] = static_cast<float>(static_cast<int64_t>(gen.uniform() * 10) % 10);
}

struct Run {
  std::vector<double> losses;
  NamedTensors state;
  NamedTensors params;
  NamedTensors grads;  // after the last step's reduce_gradients
};

// `steps` SGD steps of DDP over `group` at global batch `batch`; this rank's shard.
Run train(std::shared_ptr<ProcessGroup> group, bool sync, int64_t batch, int64_t steps) {
  set_process_group(group);  // SyncBN's collectives use the default group
  const int r = group->rank(), n = group->size();
  auto net = make_net(sync, 7 + static_cast<uint64_t>(r));  // ranks differ until the broadcast
  auto ddp = std::make_shared<nn::parallel::DistributedDataParallel>(net, nn::parallel::DistributedDataParallelOptions(),
                                                                     group);
  optim::SGD opt(net->parameters(), optim::SGDOptions(0.05).momentum(0.9));
  Run out;
  for (int64_t s = 0; s < steps; ++s) {
    Tensor X, Y;
    global_batch(s, batch, X, Y);
    const auto [lo, hi] = shard_range(batch, r, n);
    const Tensor x = rows(X, lo, hi), y = rows(Y, lo, hi);
    Tensor logits = (*ddp)(x);
    Tensor loss = cross_entropy(logits, y);
    opt.zero_grad();
    loss.backward();
    ddp->reduce_gradients();
    opt.step();
    double l = static_cast<double>(loss.data()[0]) * static_cast<double>(hi - lo);
    group->allreduce_sum(&l, 1);
    out.losses.push_back(l / static_cast<double>(batch));
  }
  for (const auto& [name, t] : net->state_dict()) out.state.emplace_back(name, t.clone());
  for (const auto& [name, t] : net->named_parameters()) {
    out.params.emplace_back(name, t.clone());
    out.grads.emplace_back(name, t.grad().clone());
  }
  return out;
}

// 1 process with per-process BN on "ghost batches": the global batch cut into the N shards,
// each through the model alone, gradients summed with weights n_c / B.
Run train_ghost(int64_t batch, int64_t steps, int ghosts) {
  set_process_group(std::make_shared<SingleProcessGroup>());
  auto net = make_net(false, 7);
  optim::SGD opt(net->parameters(), optim::SGDOptions(0.05).momentum(0.9));
  Run out;
  for (int64_t s = 0; s < steps; ++s) {
    Tensor X, Y;
    global_batch(s, batch, X, Y);
    opt.zero_grad();
    double total = 0;
    for (int c = 0; c < ghosts; ++c) {
      const auto [lo, hi] = shard_range(batch, c, ghosts);
      Tensor loss = cross_entropy((*net)(rows(X, lo, hi)), rows(Y, lo, hi));
      total += static_cast<double>(loss.data()[0]) * static_cast<double>(hi - lo);
      (loss * (static_cast<float>(hi - lo) / static_cast<float>(batch))).backward();
    }
    opt.step();
    out.losses.push_back(total / static_cast<double>(batch));
  }
  for (const auto& [name, t] : net->state_dict()) out.state.emplace_back(name, t.clone());
  for (const auto& [name, t] : net->named_parameters()) out.params.emplace_back(name, t.clone());
  return out;
}

std::string where(const ProcessGroup& g) { return fmt::format("rank {} of {}", g.rank(), g.size()); }

// max |a - b| <= rel * max |b|, per tensor (relative to the tensor's size).
void expect_close(const NamedTensors& a, const NamedTensors& b, double rel, const std::string& what) {
  JANUS_CHECK(a.size() == b.size(), "{}: {} tensors vs {}", what, a.size(), b.size());
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    const Tensor &x = a[i].second, &y = b[i].second;
    double diff = 0, scale = 0;
    for (int64_t k = 0; k < x.numel(); ++k) {
      diff = std::max(diff, std::fabs(static_cast<double>(x.data()[k]) - y.data()[k]));
      scale = std::max(scale, std::fabs(static_cast<double>(y.data()[k])));
    }
    JANUS_CHECK(diff <= rel * std::max(scale, 1e-30), "{}: {} differs: max |diff| {:.3e} vs max |value| {:.3e} (rel {})",
                what, a[i].first, diff, scale, rel);
  }
}

void expect_bits(const NamedTensors& a, const NamedTensors& b, const std::string& what) {
  JANUS_CHECK(a.size() == b.size(), "{}: {} tensors vs {}", what, a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i)
    JANUS_CHECK(std::memcmp(a[i].second.data(), b[i].second.data(), sizeof(float) * a[i].second.numel()) == 0,
                "{}: {} is not bit-identical", what, a[i].first);
}

void expect_losses(const std::vector<double>& a, const std::vector<double>& b, double rel, const std::string& what) {
  for (size_t i = 0; i < a.size(); ++i)
    JANUS_CHECK(std::fabs(a[i] - b[i]) <= rel * std::fabs(b[i]), "{}: loss of step {} is {} vs {} (rel {})", what,
                i + 1, a[i], b[i], rel);
}

// ---- scenarios ----------------------------------------------------------------------------

// N processes with SyncBN at global batch 64 equal 1 process after 20 SGD steps.
int syncbn_equals_single(std::shared_ptr<ProcessGroup> pg) {
  set_num_threads(1);
  const Run ref = train(std::make_shared<SingleProcessGroup>(), true, 64, kSteps);
  const Run dist = train(pg, true, 64, kSteps);
  // float32 with another summation order per step (Chan's merge vs two passes, another
  // gradient sum tree), carried through 20 momentum steps: observed ~1e-7 to 1e-6.
  const std::string what = where(*pg) + " SyncBN vs 1 process";
  expect_losses(dist.losses, ref.losses, 1e-5, what);
  expect_close(dist.state, ref.state, 1e-5, what);
  std::printf("%s: 20 steps, losses %.6f -> %.6f, weights and running stats within rel 1e-5\n", what.c_str(),
              dist.losses.front(), dist.losses.back());
  return 0;
}

// Deterministic mode: bit-identical, 1 process x 2 threads vs N processes x 1 thread.
int syncbn_bitwise(std::shared_ptr<ProcessGroup> pg) {
  set_deterministic(true);
  set_num_threads(2);
  const Run ref = train(std::make_shared<SingleProcessGroup>(), true, 64, kSteps);
  set_num_threads(1);
  const Run ref1 = train(std::make_shared<SingleProcessGroup>(), true, 64, kSteps);
  const Run dist = train(pg, true, 64, kSteps);
  const std::string what = where(*pg) + " deterministic SyncBN";
  expect_bits(ref1.state, ref.state, what + " (1 vs 2 threads, 1 process)");
  expect_bits(dist.state, ref.state, what + " vs 1 process");
  // The printed loss is a per-rank mean combined in double, not part of the promise.
  expect_losses(dist.losses, ref.losses, 1e-6, what);
  std::printf("%s: weights and running stats bit-identical to 1 process (2 threads) after 20 steps\n", what.c_str());
  return 0;
}

// Per-process BN at N processes = 1 process with ghost batches of batch / N.
int ghost_batches(std::shared_ptr<ProcessGroup> pg) {
  set_num_threads(1);
  const Run ref = train_ghost(64, kSteps, pg->size());
  const Run dist = train(pg, false, 64, kSteps);
  const std::string what = where(*pg) + " per-process BN vs ghost batches";
  expect_losses(dist.losses, ref.losses, 1e-5, what);
  // Parameters only: rank 0's running statistics saw its shard only (broadcast_buffers),
  // while the ghost run updated them once per ghost batch.
  expect_close(dist.params, ref.params, 1e-5, what);
  std::printf("%s: losses and weights within rel 1e-5\n", what.c_str());
  return 0;
}

// A global batch N does not divide: uneven shards, exact (to float error).
int uneven_batch(std::shared_ptr<ProcessGroup> pg) {
  set_num_threads(1);
  const int64_t batch = 4 * pg->size() + 2;  // 10 over 4 ranks: 2, 3, 2, 3
  const Run ref = train(std::make_shared<SingleProcessGroup>(), true, batch, 3);
  const Run dist = train(pg, true, batch, 3);
  const std::string what = where(*pg) + fmt::format(" uneven global batch {}", batch);
  expect_close(dist.grads, ref.grads, 1e-5, what + " gradients");
  expect_close(dist.state, ref.state, 1e-5, what);
  std::printf("%s: gradients and weights within rel 1e-5\n", what.c_str());
  return 0;
}

// SyncBN op: uneven and empty local batches, every option variant, forward and backward;
// eval mode makes no collective (ranks run it a different number of times).
int syncbn_op(std::shared_ptr<ProcessGroup> pg) {
  set_num_threads(1);
  const int r = pg->rank(), n = pg->size();
  struct Variant {
    const char* name;
    NormOptions o;
    bool running, nbt;
  };
  const std::vector<Variant> variants{{"momentum 0.1", NormOptions::torch_batch_norm(), true, true},
                                      {"momentum=None", NormOptions::torch_batch_norm().cumulative(true), true, true},
                                      {"track_running_stats=false", NormOptions::torch_batch_norm(), false, false},
                                      {"keras", NormOptions::keras_batch_norm(), true, false}};
  for (const int64_t batch : {int64_t(n - 1), int64_t(2 * n + 1), int64_t(64)}) {
    if (batch < 2) continue;
    for (const Variant& v : variants) {
      Generator gen(5 + static_cast<uint64_t>(batch));
      const Tensor X = randn({batch, 4, 3, 3}, &gen), DY = randn({batch, 4, 3, 3}, &gen);
      const Tensor w0 = uniform({4}, 0.5f, 1.5f, &gen), b0 = uniform({4}, -0.5f, 0.5f, &gen);
      auto run = [&](const Tensor& x, const Tensor& dy, std::vector<Tensor>& out) {
        Tensor xx = x.clone().requires_grad_(), w = w0.clone().requires_grad_(), b = b0.clone().requires_grad_();
        Tensor rm = v.running ? zeros({4}) : Tensor(), rv = v.running ? ones({4}) : Tensor();
        Tensor nbt = v.nbt ? scalar(0.0f) : Tensor();
        for (int it = 0; it < 2; ++it) {  // twice: the running update sees its own result
          Tensor y = normalize(xx, w, b, rm, rv, nbt, NormOptions(v.o).sync(true), true);
          if (it == 1) {
            sum(y * dy).backward();
            out = {y.detach(), xx.grad(), w.grad(), b.grad(), rm, rv};
          }
        }
      };
      std::vector<Tensor> ref, got;
      set_process_group(std::make_shared<SingleProcessGroup>());
      run(X, DY, ref);
      set_process_group(pg);
      const auto [lo, hi] = shard_range(batch, r, n);
      run(rows(X, lo, hi), rows(DY, lo, hi), got);
      pg->allreduce_sum(got[2].data(), 4);  // dgamma, dbeta are local: the DDP sum
      pg->allreduce_sum(got[3].data(), 4);
      const std::string what = fmt::format("{} SyncBN op, batch {} ({} local), {}", where(*pg), batch, hi - lo, v.name);
      NamedTensors a{{"y", got[0]}, {"dx", got[1]}, {"dgamma", got[2]}, {"dbeta", got[3]}};
      NamedTensors b{{"y", rows(ref[0], lo, hi)}, {"dx", rows(ref[1], lo, hi)}, {"dgamma", ref[2]}, {"dbeta", ref[3]}};
      if (v.running) {
        a.emplace_back("running_mean", got[4]), a.emplace_back("running_var", got[5]);
        b.emplace_back("running_mean", ref[4]), b.emplace_back("running_var", ref[5]);
      }
      if (hi > lo) expect_close(a, b, 2e-6, what);
      else expect_close(NamedTensors(a.begin() + 2, a.end()), NamedTensors(b.begin() + 2, b.end()), 2e-6, what);
    }
  }
  // Eval: running statistics, per process, no collective: rank r runs r + 1 forwards.
  Tensor rm = zeros({4}), rv = ones({4});
  for (int it = 0; it <= r; ++it)
    normalize(ones({2, 4, 3, 3}), Tensor(), Tensor(), rm, rv, Tensor(), NormOptions().sync(true), false);
  // track_running_stats=false in eval: batch statistics of this process only, no collective.
  for (int it = 0; it <= r; ++it)
    normalize(randn({2, 4, 3, 3}), Tensor(), Tensor(), Tensor(), Tensor(), Tensor(), NormOptions().sync(true), false);
  pg->barrier();
  std::printf("%s: SyncBN op exact on uneven/empty local batches, all variants; eval makes no collective\n",
              where(*pg).c_str());
  return 0;
}

// Ranks that built different models: an error on every rank naming the first difference.
int model_mismatch(std::shared_ptr<ProcessGroup> pg) {
  auto net = make_net(true, 7, pg->rank() == 1 ? 9 : 8);
  try {
    nn::parallel::DistributedDataParallel ddp(net, {}, pg);
  } catch (const Error& e) {
    const std::string msg = e.what();
    JANUS_CHECK(msg.find("rank 1 holds a different model") != std::string::npos &&
                    msg.find("0.weight [8, 3, 3, 3]") != std::string::npos &&
                    msg.find("0.weight [9, 3, 3, 3]") != std::string::npos,
                "{}: unexpected message: {}", where(*pg), msg);
    std::printf("%s raised: %s\n", where(*pg).c_str(), msg.c_str());
    pg->barrier();
    return 0;
  }
  JANUS_FAIL("{}: different models were not detected", where(*pg));
}

// A rank that throws: the others wait in an allreduce until MPI_Abort ends them.
int rank_throws(std::shared_ptr<ProcessGroup> pg) {
  if (pg->rank() == pg->size() - 1) JANUS_FAIL("rank {} fails on purpose", pg->rank());
  float v = 1;
  pg->allreduce_sum(&v, 1);
  JANUS_FAIL("the allreduce returned although a rank failed");
}

// A rank that is killed: mpirun ends the others.
int rank_killed(std::shared_ptr<ProcessGroup> pg) {
  if (pg->rank() == pg->size() - 1) std::raise(SIGKILL);
  float v = 1;
  pg->allreduce_sum(&v, 1);
  JANUS_FAIL("the allreduce returned although a rank was killed");
}

}  // namespace

int main(int argc, char** argv) {
  return janus::distributed::run(argc, argv, [&]() -> int {
    const std::string s = argc > 1 ? argv[1] : "";
    auto pg = janus::process_group_ptr();
    if (s == "syncbn_equals_single") return syncbn_equals_single(pg);
    if (s == "syncbn_bitwise") return syncbn_bitwise(pg);
    if (s == "ghost_batches") return ghost_batches(pg);
    if (s == "uneven_batch") return uneven_batch(pg);
    if (s == "syncbn_op") return syncbn_op(pg);
    if (s == "model_mismatch") return model_mismatch(pg);
    if (s == "rank_throws") return rank_throws(pg);
    if (s == "rank_killed") return rank_killed(pg);
    JANUS_FAIL("dist_scenarios: unknown scenario '{}'", s);
  });
}
