// Forward + backward throughput of the benchmark CNN's five 3x3 convolutions (batch 64,
// padding 1; /work/shared/reference/torch_cifar_bench.py) on 2 threads, as a fraction of
// this machine's SGEMM peak measured in the same run. FLOPs: 2*M*N*K for each of forward,
// dx and dw, with M = C_out, N = batch*OH*OW, K = C_in*3*3.
//
//   build/bench/conv_bench [--threads 2] [--batch 64] [--reps 10] [--algo auto|im2col|winograd|winograd4|direct]
//                          [--only 0..4] [--peak 0]   (one layer, no SGEMM peak: for perf stat / callgrind)
//                          [--dx 0]   (x needs no gradient, as in a first layer: backward is dw alone)
//
// --algo forces conv2d's algorithm (its "algo" attribute: winograd = F(2x2,3x3), winograd4 =
// F(4x4,3x3)); auto is what training gets.
#include <janus/core/autograd.h>
#include <janus/core/op.h>
#include <janus/core/ops.h>
#include <janus/core/parallel.h>
#include <janus/core/random.h>

#include "bench_header.h"

#include <cblas.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct Layer {
  int64_t c_in, c_out, hw;
};

}  // namespace

int main(int argc, char** argv) {
  int threads = 2, reps = 10;
  int64_t batch = 64, algo = 0, only = -1;
  bool measure_peak = true, input_grad = true;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--batch")) batch = std::atoll(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--reps")) reps = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--only")) only = std::atoll(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--peak")) measure_peak = std::atoi(argv[i + 1]) != 0;
    else if (!std::strcmp(argv[i], "--dx")) input_grad = std::atoi(argv[i + 1]) != 0;
    else if (!std::strcmp(argv[i], "--algo"))
      algo = !std::strcmp(argv[i + 1], "im2col")      ? 1
             : !std::strcmp(argv[i + 1], "winograd")  ? 2
             : !std::strcmp(argv[i + 1], "winograd4") ? 3
             : !std::strcmp(argv[i + 1], "direct")    ? 4
                                                      : 0;
  }
  janus::set_num_threads(threads);
  const double peak = measure_peak ? janus::bench::print_header("conv_bench", threads) : 0.0;
  const char* algo_names[] = {"auto", "im2col", "winograd", "winograd4", "direct"};
  fmt::print("janus conv_bench: threads={} batch={} reps={} algo={} (best of reps)\n\n", threads, batch, reps,
             algo_names[algo]);
  fmt::print("{:<22} {:>9} {:>9} {:>9} {:>10} {:>8}\n", "layer", "fwd ms", "bwd ms", "total ms",
             "GFLOP/s", "of peak");

  // "-" without a measured peak (--peak 0) rather than "inf%".
  auto of_peak = [peak](double gflops) { return peak > 0 ? fmt::format("{:.1f}%", 100.0 * gflops / peak) : "-"; };
  const std::vector<Layer> layers = {{3, 32, 32}, {32, 32, 32}, {32, 64, 16}, {64, 64, 16}, {64, 128, 8}};
  janus::Generator gen(0);
  double all_flops = 0.0, all_time = 0.0, all_fwd = 0.0, all_bwd = 0.0;
  for (size_t li = 0; li < layers.size(); ++li) {
    const Layer& l = layers[li];
    if (only >= 0 && static_cast<int64_t>(li) != only) continue;  // --only i: layer i alone (profiling)
    janus::Tensor x = janus::randn({batch, l.c_in, l.hw, l.hw}, &gen);
    if (input_grad) x.requires_grad_();  // --dx 0: as a network's first layer, whose input needs no gradient
    janus::Tensor w = janus::normal({l.c_out, l.c_in, 3, 3}, 0.0f, 0.1f, &gen).requires_grad_();
    janus::Tensor dy = janus::randn({batch, l.c_out, l.hw, l.hw}, &gen);
    const auto attrs = janus::Attrs().set("stride", int64_t(1)).set("padding", int64_t(1))
                           .set("dilation", int64_t(1)).set("groups", int64_t(1)).set("algo", algo);
    double fwd = 1e30, bwd = 1e30;  // best of reps: robust to other work on the machine
    for (int r = 0; r < reps + 2; ++r) {  // the first two are warm-up
      x.zero_grad();
      w.zero_grad();
      auto t0 = std::chrono::steady_clock::now();
      janus::Tensor y = janus::call_op("conv2d", {x, w}, attrs);
      const double tf = seconds_since(t0);
      t0 = std::chrono::steady_clock::now();
      y.backward(dy);
      const double tb = seconds_since(t0);
      if (r >= 2) fwd = std::min(fwd, tf), bwd = std::min(bwd, tb);
    }
    const double flops = 3 * 2.0 * double(l.c_out) * double(batch * l.hw * l.hw) * double(l.c_in * 9);
    const double gflops = flops / (fwd + bwd) / 1e9;
    fmt::print("{:<22} {:>9.2f} {:>9.2f} {:>9.2f} {:>10.1f} {:>8}\n",
               fmt::format("{}->{} @{}x{}", l.c_in, l.c_out, l.hw, l.hw), fwd * 1e3, bwd * 1e3,
               (fwd + bwd) * 1e3, gflops, of_peak(gflops));
    all_flops += flops, all_time += fwd + bwd, all_fwd += fwd, all_bwd += bwd;
  }
  const double total = all_flops / all_time / 1e9;
  fmt::print("{:<22} {:>9.2f} {:>9.2f} {:>9.2f} {:>10.1f} {:>8}\n", "total (fwd+dx+dw)", all_fwd * 1e3,
             all_bwd * 1e3, all_time * 1e3, total, of_peak(total));
  return 0;
}
