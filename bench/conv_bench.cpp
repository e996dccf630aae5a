// Forward + backward throughput of the benchmark CNN's five 3x3 convolutions (batch 64,
// padding 1; /work/shared/reference/torch_cifar_bench.py) on 2 threads, as a fraction of
// this machine's SGEMM peak measured in the same run. FLOPs: 2*M*N*K for each of forward,
// dx and dw, with M = C_out, N = batch*OH*OW, K = C_in*3*3.
//
//   build/bench/conv_bench [--threads 2] [--batch 64] [--reps 10] [--algo auto|im2col|winograd]
//
// --algo forces conv2d's algorithm (its "algo" attribute); auto is what training gets.
#include <janus/core/autograd.h>
#include <janus/core/op.h>
#include <janus/core/ops.h>
#include <janus/core/parallel.h>
#include <janus/core/random.h>

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

// Best GFLOP/s of a square row-major SGEMM of size n, over about one second of repeats.
double sgemm_gflops(int n) {
  std::vector<float> a(size_t(n) * n), b(size_t(n) * n), c(size_t(n) * n);
  janus::Generator gen(1);
  std::memcpy(a.data(), janus::uniform({n, n}, 0, 1, &gen).data(), sizeof(float) * a.size());
  std::memcpy(b.data(), janus::uniform({n, n}, 0, 1, &gen).data(), sizeof(float) * b.size());
  auto once = [&] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a.data(), n, b.data(), n,
                0.0f, c.data(), n);
  };
  once();
  double best = 0.0, total = 0.0;
  while (total < 1.0) {
    const auto t0 = std::chrono::steady_clock::now();
    once();
    const double t = seconds_since(t0);
    total += t;
    best = std::max(best, 2.0 * n * n * double(n) / t / 1e9);
  }
  return best;
}

struct Layer {
  int64_t c_in, c_out, hw;
};

}  // namespace

int main(int argc, char** argv) {
  int threads = 2, reps = 10;
  int64_t batch = 64, algo = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--batch")) batch = std::atoll(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--reps")) reps = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--algo"))
      algo = !std::strcmp(argv[i + 1], "im2col") ? 1 : !std::strcmp(argv[i + 1], "winograd") ? 2 : 0;
  }
  janus::set_num_threads(threads);
  const double peak = std::max(sgemm_gflops(1024), sgemm_gflops(2048));
  fmt::print("janus conv_bench: threads={} batch={} reps={} algo={} (best of reps)\n", threads, batch, reps,
             algo == 1 ? "im2col" : algo == 2 ? "winograd" : "auto");
  fmt::print("SGEMM peak (square 1024/2048, best): {:.1f} GFLOP/s\n\n", peak);
  fmt::print("{:<22} {:>9} {:>9} {:>9} {:>10} {:>8}\n", "layer", "fwd ms", "bwd ms", "total ms",
             "GFLOP/s", "of peak");

  const std::vector<Layer> layers = {{3, 32, 32}, {32, 32, 32}, {32, 64, 16}, {64, 64, 16}, {64, 128, 8}};
  janus::Generator gen(0);
  double all_flops = 0.0, all_time = 0.0, all_fwd = 0.0, all_bwd = 0.0;
  for (const Layer& l : layers) {
    janus::Tensor x = janus::randn({batch, l.c_in, l.hw, l.hw}, &gen).requires_grad_();
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
    fmt::print("{:<22} {:>9.2f} {:>9.2f} {:>9.2f} {:>10.1f} {:>7.1f}%\n",
               fmt::format("{}->{} @{}x{}", l.c_in, l.c_out, l.hw, l.hw), fwd * 1e3, bwd * 1e3,
               (fwd + bwd) * 1e3, gflops, 100.0 * gflops / peak);
    all_flops += flops, all_time += fwd + bwd, all_fwd += fwd, all_bwd += bwd;
  }
  const double total = all_flops / all_time / 1e9;
  fmt::print("{:<22} {:>9.2f} {:>9.2f} {:>9.2f} {:>10.1f} {:>7.1f}%\n", "total (fwd+dx+dw)", all_fwd * 1e3,
             all_bwd * 1e3, all_time * 1e3, total, 100.0 * total / peak);
  return 0;
}
