// Compares checkpoints tensor by tensor (names and shapes must match); exit 0 when close, 1
// (printing the worst tensor) when not. The MPI program tests use it where an N-process run
// sums in another order than the one-process run (uneven shards).
//   safetensors_close A B RTOL                  max|A - B| <= RTOL * max|B| for every tensor
//   safetensors_close A B C D FACTOR RTOL       max|A - B| <= FACTOR * max|C - D| + RTOL * max|B|:
//       A vs B may differ by no more than FACTOR times what C vs D (the same run with only
//       another summation order) differ by. The bound comes per tensor from the run itself,
//       so cancellation-dominated tensors (a BN bias: a sum of dy that nearly cancels) get
//       the bound their own rounding gives them.
#include <janus/core/safetensors.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <string>

namespace {

double largest_diff(const janus::Tensor& a, const janus::Tensor& b) {
  double d = 0;
  for (int64_t k = 0; k < a.numel(); ++k) {
    const double x = a.data()[k], y = b.data()[k];
    d = std::max(d, (std::isnan(x) || std::isnan(y)) ? INFINITY : std::fabs(x - y));
  }
  return d;
}

double max_abs(const janus::Tensor& a) {
  double m = 0;
  for (int64_t k = 0; k < a.numel(); ++k) m = std::max(m, std::fabs(static_cast<double>(a.data()[k])));
  return m;
}

void check_same_layout(const janus::NamedTensors& a, const janus::NamedTensors& b, const char* what) {
  if (a.size() != b.size()) throw std::runtime_error(std::string(what) + ": another number of tensors");
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].first != b[i].first || a[i].second.shape() != b[i].second.shape())
      throw std::runtime_error(std::string(what) + ": tensor " + a[i].first + " vs " + b[i].first);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 && argc != 7) {
    std::fprintf(stderr, "usage: safetensors_close A B RTOL | safetensors_close A B C D FACTOR RTOL\n");
    return 2;
  }
  try {
    const janus::NamedTensors a = janus::load_safetensors(argv[1]), b = janus::load_safetensors(argv[2]);
    check_same_layout(a, b, "A vs B");
    janus::NamedTensors c, d;
    double factor = 0, rtol = 0;
    if (argc == 7) {
      c = janus::load_safetensors(argv[3]);
      d = janus::load_safetensors(argv[4]);
      check_same_layout(a, c, "A vs C");
      check_same_layout(a, d, "A vs D");
      factor = std::stod(argv[5]);
      rtol = std::stod(argv[6]);
    } else {
      rtol = std::stod(argv[3]);
    }
    bool ok = true;
    double worst = -1;
    std::string report;
    for (size_t i = 0; i < a.size(); ++i) {
      const double diff = largest_diff(a[i].second, b[i].second);
      const double calib = argc == 7 ? largest_diff(c[i].second, d[i].second) : 0.0;
      const double bound = factor * calib + rtol * max_abs(b[i].second);
      const double ratio = bound > 0 ? diff / bound : (diff > 0 ? INFINITY : 0);
      if (diff > bound) ok = false;
      if (ratio > worst) {
        worst = ratio;
        char line[512];
        std::snprintf(line, sizeof line, "%s: max|A-B| %.3g, max|C-D| %.3g, max|B| %.3g, bound %.3g",
                      a[i].first.c_str(), diff, calib, max_abs(b[i].second), bound);
        report = line;
      }
    }
    std::printf("%s: the tensor nearest its bound: %s\n", ok ? "OK" : "FAIL", report.c_str());
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::printf("FAIL: %s\n", e.what());
    return 1;
  }
}
