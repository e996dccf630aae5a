// The header every janus benchmark prints first, so that each figure carries the machine it
// was measured on: CPU model (from /proc/cpuinfo), the vector ISA janus' own kernels were
// compiled for, OpenBLAS' kernel set (and OPENBLAS_CORETYPE if set), this run's SGEMM peak
// (best square 1024/2048 OpenBLAS SGEMM on the benchmark's thread count) and this run's FMA
// peak (independent multiply-adds on janus' widest vectors, same threads): the machine's
// limit, which the SGEMM peak reaches only where OpenBLAS runs kernels made for this CPU.
//
//   janus::bench::print_header("conv_bench", threads);   // after set_num_threads
#pragma once

#include <janus/core/random.h>

#include <cblas.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace janus::bench {

inline std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) return line.substr(colon + 2);
    }
  }
  return "unknown CPU";
}

// The widest vector extension this translation unit was compiled for (the whole build uses
// the same flags: -march=native, or the CMAKE_CXX_FLAGS of a baseline build).
inline const char* compiled_isa() {
#if defined(__AVX512F__)
  return "AVX-512";
#elif defined(__AVX2__)
  return "AVX2";
#elif defined(__AVX__)
  return "AVX";
#else
  return "SSE2";
#endif
}

// Float lanes of the widest vectors this build's kernels use.
#if defined(__AVX512F__)
constexpr int kVectorLanes = 16;
#else
constexpr int kVectorLanes = 8;
#endif

// Best GFLOP/s of a square row-major SGEMM of size n over about one second of repeats.
inline double sgemm_gflops(int n) {
  std::vector<float> a(size_t(n) * n), b(size_t(n) * n), c(size_t(n) * n);
  Generator gen(1);
  for (auto& v : a) v = static_cast<float>(gen.uniform());
  for (auto& v : b) v = static_cast<float>(gen.uniform());
  auto once = [&] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(),
                n);
  };
  once();
  double best = 0.0, total = 0.0;
  while (total < 1.0) {
    const auto t0 = std::chrono::steady_clock::now();
    once();
    const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    total += t;
    best = std::max(best, 2.0 * n * n * double(n) / t / 1e9);
  }
  return best;
}

inline double sgemm_peak() { return std::max(sgemm_gflops(1024), sgemm_gflops(2048)); }

// Best GFLOP/s of `threads` threads each running 12 independent chains of vector
// multiply-adds (enough in flight to fill two FMA units of 4-cycle latency), vectors as wide
// as this build's kernels use (GCC vector extension). Best of 5 runs of ~0.1 s.
inline double fma_peak(int threads) {
  constexpr int kLanes = kVectorLanes;
  typedef float V __attribute__((vector_size(4 * kLanes)));
  constexpr int kChains = 12;
  constexpr int64_t kSteps = 4'000'000;
  auto run = [](float seed, float* out) {
    V acc[kChains], m, c;
    for (int l = 0; l < kLanes; ++l) m[l] = 0.999999f, c[l] = 1e-7f * seed;
    for (int i = 0; i < kChains; ++i)
      for (int l = 0; l < kLanes; ++l) acc[i][l] = seed + static_cast<float>(i + l);
    for (int64_t s = 0; s < kSteps; ++s)
      for (int i = 0; i < kChains; ++i) acc[i] = acc[i] * m + c;
    float sum = 0.0f;
    for (int i = 0; i < kChains; ++i)
      for (int l = 0; l < kLanes; ++l) sum += acc[i][l];
    *out = sum;  // used, so the loop is not optimised away
  };
  double best = 0.0;
  std::vector<float> sink(static_cast<size_t>(threads));
  for (int rep = 0; rep < 5; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) pool.emplace_back(run, 1.0f + static_cast<float>(t), &sink[static_cast<size_t>(t)]);
    for (auto& t : pool) t.join();
    const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, 2.0 * kLanes * kChains * double(kSteps) * threads / sec / 1e9);
  }
  return best;
}

// The machine line alone (CPU, janus' ISA, OpenBLAS' kernels): for benchmarks whose figures
// do not depend on SGEMM (the collectives) or that must not time an SGEMM on one rank alone.
inline void print_machine(const char* program) {
  const char* coretype = std::getenv("OPENBLAS_CORETYPE");
  const std::string core = openblas_get_corename();
  fmt::print("# {}: CPU {}; janus kernels {}; OpenBLAS core {}{}\n", program, cpu_model(), compiled_isa(), core,
             coretype ? fmt::format(" (OPENBLAS_CORETYPE={})", coretype) : std::string());
  // OpenBLAS' DYNAMIC_ARCH falls back to pre-AVX kernels on CPUs newer than its release (seen:
  // Debian 12's 0.3.21 on a Xeon of CPU model 207 chose Prescott).
  const bool pre_avx = core == "Prescott" || core == "Core2" || core == "Penryn" || core == "Dunnington" ||
                       core == "Nehalem" || core == "Atom";
#if defined(__AVX2__)
  if (pre_avx)
    fmt::print("# note: OpenBLAS runs its pre-AVX {} kernels on this {} CPU: its SGEMMs (im2col convolutions, "
               "linear layers) are slower than the CPU allows; janus' Winograd and direct convolutions use "
               "their own kernels\n", core, compiled_isa());
#else
  (void)pre_avx;
#endif
}

// Prints the header lines; returns the SGEMM peak in GFLOP/s.
inline double print_header(const char* program, int threads) {
  const double peak = sgemm_peak();
  print_machine(program);
  fmt::print("# SGEMM peak this run (square 1024/2048, best, {} threads): {:.1f} GFLOP/s\n", threads, peak);
  fmt::print("# FMA peak this run ({}-lane vectors, best, {} threads): {:.1f} GFLOP/s\n", kVectorLanes, threads,
             fma_peak(threads));
  return peak;
}

}  // namespace janus::bench
