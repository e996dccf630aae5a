// Flip consistency of the synthetic set's class definitions: the left-right mirror image of
// every class shape is again a shape of the same class and is far from every other class,
// so the standard random horizontal flip never changes what an image's label should be.
// Shapes are rendered clean (no jitter sampling, distractors or noise) through the
// detail:: hook and matched against every class' poses on a grid closed under mirroring.
#include <janus/datasets/synthetic.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

using namespace janus::datasets;

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kPeriod = 4.5;  // flipping does not change a grating's period

// A class as the generator defines it: its label (the shape) and the orientations it is
// drawn at, each with +-kSyntheticJitterDeg of rotation jitter.
struct ClassSpec {
  int label;
  std::vector<double> bases;
};

std::vector<ClassSpec> library_classes() {
  std::vector<ClassSpec> out;
  for (int c = 0; c < 10; ++c) out.push_back({c, detail::synthetic_base_angles(c)});
  return out;
}

std::vector<double> mirrored(const std::vector<double>& m) {  // (32, 32), x -> 31 - x
  std::vector<double> out(m.size());
  for (int y = 0; y < 32; ++y)
    for (int x = 0; x < 32; ++x) out[y * 32 + x] = m[y * 32 + (31 - x)];
  return out;
}

double rms(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t k = 0; k < a.size(); ++k) s += (a[k] - b[k]) * (a[k] - b[k]);
  return std::sqrt(s / static_cast<double>(a.size()));
}

// Phases on a quarter-turn grid (closed under phi -> pi - phi, which is what a mirror does
// to a phase); a single 0 when the class' shape ignores that phase.
std::vector<double> phase_grid(int label, bool u) {
  const auto a = detail::synthetic_shape_mask(label, 10, kPeriod, 0, 0);
  const auto b = u ? detail::synthetic_shape_mask(label, 10, kPeriod, 1, 0)
                   : detail::synthetic_shape_mask(label, 10, kPeriod, 0, 1);
  if (rms(a, b) == 0) return {0.0};
  return {0.0, kPi / 2, kPi, 3 * kPi / 2};
}

// For each query image: the smallest RMS distance to any pose of each class (angles on a
// whole-degree grid over every orientation +- jitter, phases on the quarter-turn grid).
std::vector<std::vector<double>> nearest_per_class(const std::vector<ClassSpec>& classes,
                                                   const std::vector<std::vector<double>>& queries) {
  const int jitter = static_cast<int>(detail::kSyntheticJitterDeg);
  std::vector<std::vector<double>> best(
      queries.size(), std::vector<double>(classes.size(), std::numeric_limits<double>::max()));
  for (size_t c = 0; c < classes.size(); ++c) {
    const int label = classes[c].label;
    for (double base : classes[c].bases)
      for (int j = -jitter; j <= jitter; ++j)
        for (double pu : phase_grid(label, true))
          for (double pv : phase_grid(label, false)) {
            const auto m = detail::synthetic_shape_mask(label, base + j, kPeriod, pu, pv);
            for (size_t q = 0; q < queries.size(); ++q) best[q][c] = std::min(best[q][c], rms(queries[q], m));
          }
  }
  return best;
}

struct FlipReport {
  double worst_own = 0;                                    // largest distance to own class
  double closest_other = std::numeric_limits<double>::max();  // smallest to another class
};

// Mirrors shapes of every class (several jitters and phases per orientation) and measures
// how far each mirror image is from its own class and from the others.
FlipReport check_flips(const std::vector<ClassSpec>& classes) {
  const int jitters[4] = {-20, -7, 6, 19};
  const double phases[4][2] = {{0, kPi / 2}, {kPi, 0}, {kPi / 2, 3 * kPi / 2}, {3 * kPi / 2, kPi}};
  std::vector<std::vector<double>> queries;
  std::vector<size_t> owner;
  for (size_t c = 0; c < classes.size(); ++c)
    for (double base : classes[c].bases)
      for (int k = 0; k < 4; ++k) {
        queries.push_back(mirrored(detail::synthetic_shape_mask(
            classes[c].label, base + jitters[k], kPeriod, phases[k][0], phases[k][1])));
        owner.push_back(c);
      }
  const auto best = nearest_per_class(classes, queries);
  FlipReport r;
  for (size_t q = 0; q < queries.size(); ++q)
    for (size_t c = 0; c < classes.size(); ++c) {
      if (c == owner[q]) r.worst_own = std::max(r.worst_own, best[q][c]);
      else r.closest_other = std::min(r.closest_other, best[q][c]);
    }
  return r;
}

}  // namespace

TEST_CASE("synthetic classes are each their own mirror image and no mirror of another", "[datasets]") {
  const FlipReport r = check_flips(library_classes());
  // A mirrored shape is exactly (up to rounding) a pose of its own class...
  CHECK(r.worst_own < 1e-9);
  // ...and clearly not a pose of any other class (RMS opacity difference per pixel). The
  // closest pair by design is the 0-degree grating at +20 vs the diagonal one at 25 (RMS
  // about 0.09): the jitter ranges leave a 5-degree gap.
  CHECK(r.closest_other > 0.05);
}

TEST_CASE("synthetic flip check catches a class that is the mirror of another", "[datasets]") {
  // The old class pair: a grating at 45 degrees and one at 135 as two classes. Their mirror
  // images swap, so the check above must fail for them.
  const FlipReport r = check_flips({{2, {45}}, {2, {135}}, {0, {0}}});
  CHECK(r.worst_own > 0.1);
  CHECK(r.closest_other < 1e-9);
}

TEST_CASE("synthetic class names describe the flip-symmetric classes", "[datasets]") {
  const auto& names = synthetic_class_names();
  REQUIRE(names.size() == 10);
  CHECK(names[2] == "grating_diagonal");
  CHECK(names[3] == "checkerboard");
  CHECK(detail::synthetic_base_angles(2) == std::vector<double>{45, 135});
  CHECK_THROWS_AS(detail::synthetic_base_angles(10), janus::Error);
}
