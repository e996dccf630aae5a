// The header every janus benchmark prints first, so that each figure carries the machine it
// was measured on: CPU model (from /proc/cpuinfo), the vector ISA janus' own kernels were
// compiled for, OpenBLAS' kernel set (and OPENBLAS_CORETYPE if set), and this run's SGEMM
// peak (best square 1024/2048 OpenBLAS SGEMM on the benchmark's thread count).
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

// The machine line alone (CPU, janus' ISA, OpenBLAS' kernels): for benchmarks whose figures
// do not depend on SGEMM (the collectives) or that must not time an SGEMM on one rank alone.
inline void print_machine(const char* program) {
  const char* coretype = std::getenv("OPENBLAS_CORETYPE");
  fmt::print("# {}: CPU {}; janus kernels {}; OpenBLAS core {}{}\n", program, cpu_model(), compiled_isa(),
             openblas_get_corename(), coretype ? fmt::format(" (OPENBLAS_CORETYPE={})", coretype) : std::string());
}

// Prints the header lines; returns the SGEMM peak in GFLOP/s.
inline double print_header(const char* program, int threads) {
  const double peak = sgemm_peak();
  print_machine(program);
  fmt::print("# SGEMM peak this run (square 1024/2048, best, {} threads): {:.1f} GFLOP/s\n", threads, peak);
  return peak;
}

}  // namespace janus::bench
