// Training and eval throughput of the benchmark CNN (shared/reference/torch_cifar_bench.py)
// through janus' torch frontend, eager (define-by-run modules) and compiled (torch::compile
// -> Graph), printed in the torch script's format so the two can be run side by side:
//
//   /usr/bin/python3 /work/shared/reference/torch_cifar_bench.py --threads 2 --batch 64 --norm bn
//   build/bench/train_bench --threads 2 --batch 64 --norm bn [--steps 30] [--mode eager|compiled|both]
//
// The net is the examples' (examples/common/bench_cnn.h). Recipe as the script: synthetic
// randn input, random labels, SGD(lr 0.01, momentum 0.9), cross-entropy, 3 warm-up steps
// then `steps` timed steps; eval = forward without grad.
#include "common/bench_cnn.h"

#include <janus/core/autograd.h>
#include <janus/core/ops/nn.h>
#include <janus/core/parallel.h>
#include <janus/core/random.h>
#include <janus/torch/torch.h>

#include "bench_header.h"

#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <string>

namespace {

namespace tnn = janus::torch::nn;
using janus::Tensor;

struct Args {
  int threads = 2;
  int64_t batch = 64;
  std::string norm = "bn";
  int steps = 30;
  std::string mode = "both";
  bool peak = true;  // --peak 0 skips the SGEMM peak (for perf stat of the training alone)
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    auto next = [&]() -> std::string {
      JANUS_CHECK(i + 1 < argc, "train_bench: {} needs a value", k);
      return argv[++i];
    };
    if (k == "--threads") a.threads = std::stoi(next());
    else if (k == "--batch") a.batch = std::stoll(next());
    else if (k == "--norm") a.norm = next();
    else if (k == "--steps") a.steps = std::stoi(next());
    else if (k == "--mode") a.mode = next();
    else if (k == "--peak") a.peak = next() != "0";
    else JANUS_FAIL("train_bench: unknown argument '{}' (expected --threads --batch --norm --steps --mode --peak)", k);
  }
  janus::examples::check_norm_kind(a.norm);  // bench_cnn.h: bn, in-affine (alias pcn), in, pc-std, ...
  JANUS_CHECK(a.mode == "eager" || a.mode == "compiled" || a.mode == "both",
              "train_bench: --mode expected eager, compiled or both (got '{}')", a.mode);
  return a;
}

double seconds_of(const std::function<void()>& f, int reps) {
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < reps; ++i) f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

// Trains and evaluates one fresh net through `forward` (eager module or compiled graph).
void run(const Args& a, bool compiled) {
  janus::Generator gen(0);
  auto net = janus::examples::make_bench_cnn(a.norm, gen);
  Tensor x = janus::randn({a.batch, 3, 32, 32}, &gen);
  Tensor y = janus::empty({a.batch});
  for (int64_t i = 0; i < a.batch; ++i) y.data()[i] = static_cast<float>(gen.below(10));
  net->train();
  std::function<Tensor(const Tensor&)> forward = [net](const Tensor& in) { return (*net)(in); };
  if (compiled) {
    auto model = std::make_shared<janus::torch::CompiledModel>(janus::torch::compile(net, x));
    forward = [model](const Tensor& in) { return (*model)(in); };
  }
  janus::torch::optim::SGD opt(net->parameters(), janus::torch::optim::SGDOptions(0.01).momentum(0.9));
  tnn::CrossEntropyLoss lossf;
  auto step = [&]() {
    opt.zero_grad();
    Tensor loss = lossf(forward(x), y);
    loss.backward();
    opt.step();
  };
  seconds_of(step, 3);
  const double train = static_cast<double>(a.steps * a.batch) / seconds_of(step, a.steps);
  net->eval();
  double eval = 0;
  {
    janus::NoGradGuard no_grad;
    auto infer = [&]() { forward(x); };
    seconds_of(infer, 3);
    eval = static_cast<double>(a.steps * a.batch) / seconds_of(infer, a.steps);
  }
  fmt::print("janus-{} threads={} batch={} norm={}: train {:.0f} img/s, eval {:.0f} img/s, peak RSS {:.0f} MiB\n",
             compiled ? "compiled" : "eager", a.threads, a.batch, a.norm, train, eval, peak_rss_mib());
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Args a = parse(argc, argv);
    janus::set_num_threads(a.threads);
    if (a.peak) janus::bench::print_header("train_bench", a.threads);
    if (a.mode != "compiled") run(a, false);
    if (a.mode != "eager") run(a, true);
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}\n", e.what());
    return 1;
  }
}
