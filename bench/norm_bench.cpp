// BatchNorm2d + ReLU forward + backward (fused "normalize" op with relu=true) at batch 64 on
// the CIFAR benchmark's activation shapes, on 2 threads, side by side with PyTorch
// (bench/torch_norm_bench.py, run separately; pass its output file to get the ratio).
// Traffic counted: forward reads x, writes y; backward reads dy, x, y, writes dx: 6 floats
// per element. GB/s is reported against a copy bandwidth measured here with 2 threads.
//
//   /usr/bin/python3 bench/torch_norm_bench.py /tmp/torch_norm.txt
//   build/bench/norm_bench [--threads 2] [--reps 30] [--torch /tmp/torch_norm.txt]
#include <janus/core/autograd.h>
#include <janus/core/ops/norm.h>
#include <janus/core/parallel.h>
#include <janus/core/random.h>

#include "bench_header.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Best copy bandwidth (bytes read + written per second) of a 256 MiB buffer, split over the
// pool's threads like janus' own kernels.
double copy_bandwidth_gbs() {
  const int64_t n = int64_t(64) << 20;  // floats
  std::vector<float> a(n, 1.0f), b(n, 0.0f);
  double best = 0.0;
  for (int rep = 0; rep < 8; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    janus::parallel_for(0, n, 1 << 20, [&](int64_t lo, int64_t hi) {
      std::memcpy(b.data() + lo, a.data() + lo, sizeof(float) * (hi - lo));
    });
    best = std::max(best, 2.0 * sizeof(float) * n / seconds_since(t0) / 1e9);
  }
  return best + 0.0 * b[n / 2];
}

struct Shape3 {
  int64_t h, w, c;
  std::string label() const { return fmt::format("{}x{}x{}", h, w, c); }
};

// Median milliseconds of one forward + backward of BN+ReLU.
double time_bn_relu(int64_t batch, const Shape3& s, int reps) {
  janus::Generator gen(1);
  const janus::Shape shape{batch, s.c, s.h, s.w};
  janus::Tensor x = janus::randn(shape, &gen).requires_grad_();
  janus::Tensor w = janus::ones({s.c}).requires_grad_(), b = janus::zeros({s.c}).requires_grad_();
  janus::Tensor rm = janus::zeros({s.c}), rv = janus::ones({s.c});
  const janus::Tensor dy = janus::randn(shape, &gen);
  std::vector<double> ms;
  for (int rep = 0; rep < reps + 3; ++rep) {
    x.zero_grad();
    w.zero_grad();
    b.zero_grad();
    const auto t0 = std::chrono::steady_clock::now();
    janus::Tensor y = janus::batch_norm_relu(x, rm, rv, w, b, /*training=*/true);
    y.backward(dy);
    const double t = seconds_since(t0) * 1e3;
    if (rep >= 3) ms.push_back(t);
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

// "32x32x32 1.234" lines written by torch_norm_bench.py.
std::map<std::string, double> read_torch(const std::string& path) {
  std::map<std::string, double> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ss(line);
    std::string key;
    double v;
    if (ss >> key >> v) out[key] = v;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2, reps = 30;
  int64_t batch = 64;
  std::string torch_path;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--reps")) reps = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--batch")) batch = std::atoll(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--torch")) torch_path = argv[i + 1];
  }
  janus::set_num_threads(threads);
  janus::bench::print_header("norm_bench", threads);
  const double bw = copy_bandwidth_gbs();
  const auto torch = torch_path.empty() ? std::map<std::string, double>{} : read_torch(torch_path);
  fmt::print("BN+ReLU forward+backward, batch {}, {} threads; copy bandwidth {:.1f} GB/s\n", batch, threads, bw);
  fmt::print("{:>10} {:>10} {:>8} {:>10} {:>10} {:>8}\n", "HxWxC", "janus ms", "GB/s", "% of bw", "torch ms",
             "speedup");
  for (const Shape3& s : {Shape3{32, 32, 32}, Shape3{16, 16, 64}, Shape3{8, 8, 128}}) {
    const double ms = time_bn_relu(batch, s, reps);
    const double bytes = 6.0 * sizeof(float) * batch * s.c * s.h * s.w;
    const double gbs = bytes / (ms * 1e-3) / 1e9;
    const auto it = torch.find(s.label());
    if (it != torch.end())
      fmt::print("{:>10} {:>10.3f} {:>8.1f} {:>9.0f}% {:>10.3f} {:>7.2f}x\n", s.label(), ms, gbs, 100 * gbs / bw,
                 it->second, it->second / ms);
    else
      fmt::print("{:>10} {:>10.3f} {:>8.1f} {:>9.0f}% {:>10} {:>8}\n", s.label(), ms, gbs, 100 * gbs / bw, "-", "-");
  }
  return 0;
}
