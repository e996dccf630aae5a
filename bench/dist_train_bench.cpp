// The training step of the benchmark CNN at a fixed global batch: 1 process x T threads
// against N processes x (T / N) threads, and the share of a step spent in collectives.
// bench/dist_train_side_by_side.sh runs the four configurations interleaved.
//
//   build/bench/dist_train_bench --threads 2 --batch 64 --norm bn            # 1 x 2
//   mpirun --oversubscribe --allow-run-as-root --mca btl_vader_single_copy_mechanism none
//          -np 2 build/bench/dist_train_bench --threads 1 --batch 64 --norm syncbn   # 2 x 1
//
// --batch is the global batch (rank r runs shard_range(batch, r, N) of it). Timed, per step:
// forward, loss, backward, DistributedDataParallel's gradient allreduce, SGD step. "comm" is
// the time inside the process group's calls (SyncBN's allgather and allreduce per layer, the
// loss-scale and gradient allreduces, the buffer broadcast), waiting for the slower rank
// included: the mean over ranks, and the least of any rank (the rank that arrives last at
// every collective waits least, so its figure is nearest the transfers themselves).
#include "bench_header.h"
#include "common/bench_cnn.h"

#include <janus/core/autograd.h>
#include <janus/core/ops/nn.h>
#include <janus/core/parallel.h>
#include <janus/core/random.h>
#include <janus/distributed/distributed.h>
#include <janus/torch/torch.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <chrono>
#include <string>
#include <vector>

namespace {

using janus::Tensor;
using Clock = std::chrono::steady_clock;

// Forwards every call to the real group and adds up the seconds and bytes spent in it.
class TimedGroup : public janus::ProcessGroup {
 public:
  explicit TimedGroup(std::shared_ptr<janus::ProcessGroup> g) : g_(std::move(g)) {}
  int rank() const override { return g_->rank(); }
  int size() const override { return g_->size(); }
  std::string name() const override { return g_->name(); }
  void allreduce_sum(float* d, int64_t n) override { timed(n * 4, [&] { g_->allreduce_sum(d, n); }); }
  void allreduce_sum(double* d, int64_t n) override { timed(n * 8, [&] { g_->allreduce_sum(d, n); }); }
  void broadcast(void* d, int64_t b, int root) override { timed(b, [&] { g_->broadcast(d, b, root); }); }
  void allgather(const void* s, int64_t b, void* r) override { timed(b, [&] { g_->allgather(s, b, r); }); }
  void barrier() override { timed(0, [&] { g_->barrier(); }); }
  [[noreturn]] void abort(int code, const std::string& why) override {
    g_->abort(code, why);
    std::_Exit(code);  // not reached: keeps [[noreturn]] honest for the compiler
  }
  void reset() { seconds = 0, calls = 0, bytes = 0; }
  double seconds = 0;
  int64_t calls = 0, bytes = 0;

 private:
  template <typename F>
  void timed(int64_t b, F&& f) {
    const auto t0 = Clock::now();
    f();
    seconds += std::chrono::duration<double>(Clock::now() - t0).count();
    ++calls;
    bytes += b;
  }
  std::shared_ptr<janus::ProcessGroup> g_;
};

}  // namespace

int main(int argc, char** argv) {
  return janus::distributed::run(argc, argv, [&] {
    int threads = 1, steps = 20, warmup = 3;
    int64_t batch = 64;
    std::string norm = "bn";
    for (int i = 1; i < argc; i += 2) {
      const std::string k = argv[i];
      JANUS_CHECK(i + 1 < argc, "dist_train_bench: {} needs a value", k);
      const std::string v = argv[i + 1];
      if (k == "--threads") threads = std::stoi(v);
      else if (k == "--batch") batch = std::stoll(v);
      else if (k == "--norm") norm = v;
      else if (k == "--steps") steps = std::stoi(v);
      else if (k == "--warmup") warmup = std::stoi(v);
      else JANUS_FAIL("dist_train_bench: unknown flag {} (--threads --batch --norm --steps --warmup)", k);
    }
    janus::examples::check_norm_kind(norm);
    janus::set_num_threads(threads);
    auto timed = std::make_shared<TimedGroup>(janus::process_group_ptr());
    janus::set_process_group(timed);
    const int r = timed->rank(), p = timed->size();
    JANUS_CHECK(batch >= p, "dist_train_bench: --batch {} is smaller than the {} processes", batch, p);
    if (r == 0) {
      janus::bench::print_machine("dist_train_bench");
      fmt::print("# {} process(es) x {} thread(s) ({}), norm {}, global batch {}, {} steps after {} warm-up\n", p,
                 threads, timed->name(), norm, batch, steps, warmup);
    }
    const auto [lo, hi] = janus::shard_range(batch, r, p);
    const int64_t local = hi - lo;
    janus::Generator gen(1);
    auto net = janus::examples::make_bench_cnn(norm, gen);
    auto ddp = std::make_shared<janus::torch::nn::parallel::DistributedDataParallel>(
        net, janus::torch::nn::parallel::DistributedDataParallelOptions(), timed);
    // This rank's rows of one fixed global batch (the step's cost does not depend on the data).
    janus::Generator data(100);
    const Tensor X = janus::randn({batch, 3, 32, 32}, &data);
    const Tensor x = X.narrow(0, lo, local).clone();
    Tensor y = janus::empty({local});
    for (int64_t i = 0; i < local; ++i) y.data()[i] = static_cast<float>((lo + i) % 10);
    janus::torch::optim::SGD opt(net->parameters(), janus::torch::optim::SGDOptions(0.01).momentum(0.9));
    auto step = [&] {
      Tensor loss = janus::cross_entropy((*ddp)(x), y);
      opt.zero_grad();
      loss.backward();
      ddp->reduce_gradients();
      opt.step();
    };
    for (int i = 0; i < warmup; ++i) step();
    timed->barrier();
    timed->reset();
    const auto t0 = Clock::now();
    for (int i = 0; i < steps; ++i) step();
    const double mine[3] = {timed->seconds, static_cast<double>(timed->calls), static_cast<double>(timed->bytes)};
    timed->barrier();  // the step time is the slowest rank's
    const double total = std::chrono::duration<double>(Clock::now() - t0).count();
    std::vector<double> all(3 * static_cast<size_t>(p));
    timed->allgather(mine, sizeof(mine), all.data());
    double sum = 0, least = 1e300;
    for (int q = 0; q < p; ++q) {
      sum += all[3 * static_cast<size_t>(q)];
      least = std::min(least, all[3 * static_cast<size_t>(q)]);
    }
    if (r == 0)
      fmt::print("dist_train_bench: {} x {}, norm {}, global batch {} ({}{} per process): {:.1f} img/s, "
                 "{:.1f} ms/step, comm {:.2f} ms/step mean over ranks ({:.1f}% of a step), least {:.2f} ms/step "
                 "({:.1f}%), {:.0f} collectives and {:.0f} KB per step per rank\n",
                 p, threads, norm, batch, local, p > 1 && batch % p ? " or less" : "",
                 static_cast<double>(batch) * steps / total, 1e3 * total / steps, 1e3 * sum / p / steps,
                 100.0 * sum / p / total, 1e3 * least / steps, 100.0 * least / total, all[1] / steps,
                 all[2] / steps / 1024.0);
    return 0;
  });
}
