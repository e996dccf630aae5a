// Procedural generator of the synthetic CIFAR-style set. Each image is rendered from its
// own PCG stream, seeded by a splitmix64 hash of (seed, split, index). Shapes are signed
// distance functions, so edges are anti-aliased with alpha = clamp(0.5 - distance). Every
// random choice is mirror-symmetric, so a horizontally flipped image is a likely image of
// the same class (tests/datasets/test_synthetic_flip.cpp checks the class shapes).
#include <janus/datasets/synthetic.h>

#include <janus/core/parallel.h>
#include <janus/core/random.h>

#include "seed_mix.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace janus::datasets {
namespace {

constexpr int kSide = 32;
using Rgb = std::array<double, 3>;

double uni(Generator& g, double lo, double hi) { return lo + (hi - lo) * g.uniform(); }
double luminance(const Rgb& c) { return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]; }
Rgb random_colour(Generator& g) { return {g.uniform(), g.uniform(), g.uniform()}; }

// Signed distance of (x, y) to an axis-aligned box of half sizes (bx, by) at the origin.
double box_sdf(double x, double y, double bx, double by) {
  const double dx = std::abs(x) - bx, dy = std::abs(y) - by;
  const double ox = std::max(dx, 0.0), oy = std::max(dy, 0.0);
  return std::sqrt(ox * ox + oy * oy) + std::min(std::max(dx, dy), 0.0);
}

double coverage(double signed_distance) { return std::clamp(0.5 - signed_distance, 0.0, 1.0); }

// The class shape's opacity at (u, v): coordinates already centred, rotated and divided
// by the scale, so sizes below are in pixels at scale 1.
struct Shape {
  int label;
  double period, phase_u, phase_v;
  double alpha(double u, double v) const {
    const double kPi = 3.14159265358979323846;
    const double window = coverage(std::sqrt(u * u + v * v) - 9.0);  // gratings' round window
    switch (label) {
      case 0: case 1: case 2:
        // Grating along v; the classes differ only in the rotation applied before
        // (0, 90, and 45 or 135 degrees for the diagonal class).
        return window * (0.5 + 0.5 * std::sin(2.0 * kPi * v / period + phase_v));
      case 3: {
        // Checkerboard: the product of two crossed gratings. Its period is sqrt(2) times
        // the gratings', so that the two diagonal plane waves it is made of have the
        // gratings' spatial frequency and cells stay at least ~1.6 px wide.
        const double p = period * 1.41421356237309505;
        return window * (0.5 + 0.5 * std::sin(2.0 * kPi * u / p + phase_u) *
                                   std::sin(2.0 * kPi * v / p + phase_v));
      }
      case 4: return coverage(std::sqrt(u * u + v * v) - 7.0);                   // disc
      case 5: return coverage(std::abs(std::sqrt(u * u + v * v) - 6.5) - 1.4);   // ring
      case 6: return coverage(box_sdf(u, v, 6.0, 6.0));                          // square
      case 7: return coverage(std::min(box_sdf(u, v, 1.6, 7.5), box_sdf(u, v, 7.5, 1.6)));
      case 8: {                                                                   // triangle
        // Upward triangle as the intersection of three half-planes.
        const double base = v - 6.0;
        const double left = (-0.866 * u + 0.5 * (-v)) - 3.0;
        const double right = (0.866 * u + 0.5 * (-v)) - 3.0;
        return coverage(std::max({base, left, right}));
      }
      default: return coverage(std::abs(box_sdf(u, v, 6.0, 6.0)) - 1.3);       // frame
    }
  }
};

// Blends `shape` (opacity scaled by `opacity`) in `colour` into img, centred at (cx, cy),
// rotated by angle_deg and scaled by `scale`.
void blend_shape(std::array<Rgb, kSide * kSide>& img, const Shape& shape, double angle_deg,
                 double scale, double cx, double cy, double opacity, const Rgb& colour) {
  const double kPi = 3.14159265358979323846;
  const double angle = angle_deg * kPi / 180.0;
  const double ca = std::cos(angle), sa = std::sin(angle);
  for (int y = 0; y < kSide; ++y) {
    for (int x = 0; x < kSide; ++x) {
      const double dx = (x - cx) / scale, dy = (y - cy) / scale;
      const double u = dx * ca + dy * sa, v = -dx * sa + dy * ca;
      const double a = opacity * shape.alpha(u, v);
      for (int c = 0; c < 3; ++c) img[y * kSide + x][c] += a * (colour[c] - img[y * kSide + x][c]);
    }
  }
}

// Draws class `label`'s shape centred at (cx, cy) with the given scale and colour, at a
// random rotation of +-20 degrees around one of the class orientations (the diagonal
// grating picks 45 or 135 degrees at random) and a random opacity.
void draw_shape(std::array<Rgb, kSide * kSide>& img, int label, double scale, double cx,
                double cy, const Rgb& colour, Generator& g) {
  const double kPi = 3.14159265358979323846;
  const std::vector<double>& bases = detail::synthetic_base_angles(label);
  const double base = bases.size() == 1 ? bases[0] : bases[g.below(bases.size())];
  Shape shape{label, uni(g, 3.5, 6.0), uni(g, 0, 2 * kPi), uni(g, 0, 2 * kPi)};
  const double angle = base + uni(g, -detail::kSyntheticJitterDeg, detail::kSyntheticJitterDeg);
  const double opacity = uni(g, 0.55, 1.0);
  blend_shape(img, shape, angle, scale, cx, cy, opacity, colour);
}

void render(uint8_t* out, int label, Generator& g, const SyntheticOptions& o) {
  const double kPi = 3.14159265358979323846;
  std::array<Rgb, kSide * kSide> img;  // (H, W) of RGB in [0, 1]
  // Background: a random colour with a linear gradient in a random direction.
  const Rgb bg = random_colour(g);
  const double gdir = uni(g, 0, 2 * kPi), gamp = uni(g, 0.0, 0.25);
  for (int y = 0; y < kSide; ++y) {
    for (int x = 0; x < kSide; ++x) {
      const double t = ((x - 15.5) * std::cos(gdir) + (y - 15.5) * std::sin(gdir)) / 32.0;
      for (int c = 0; c < 3; ++c) img[y * kSide + x][c] = std::clamp(bg[c] + gamp * t, 0.0, 1.0);
    }
  }
  // Foreground colour with enough luminance contrast against the background.
  Rgb fg = random_colour(g);
  for (int tries = 0; tries < 8 && std::abs(luminance(fg) - luminance(bg)) < 0.18; ++tries) {
    fg = random_colour(g);
  }
  if (std::abs(luminance(fg) - luminance(bg)) < 0.18) fg = {1 - bg[0], 1 - bg[1], 1 - bg[2]};
  // Distractors under the shape: small Gaussian blobs and short strokes in random colours.
  const int n_distract = static_cast<int>(g.below(static_cast<uint64_t>(o.max_distractors()) + 1));
  for (int d = 0; d < n_distract; ++d) {
    const Rgb col = random_colour(g);
    const double px = uni(g, 0, 31), py = uni(g, 0, 31), opacity = uni(g, 0.4, 0.9);
    const bool stroke = g.uniform() < 0.5;
    const double sigma = uni(g, 1.0, 2.2), ang = uni(g, 0, kPi), len = uni(g, 3, 8);
    for (int y = 0; y < kSide; ++y) {
      for (int x = 0; x < kSide; ++x) {
        const double dx = x - px, dy = y - py;
        double a;
        if (stroke) {
          const double along = dx * std::cos(ang) + dy * std::sin(ang);
          const double across = -dx * std::sin(ang) + dy * std::cos(ang);
          a = coverage(box_sdf(along, across, len / 2, 0.6));
        } else {
          a = std::exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
        }
        a *= opacity;
        for (int c = 0; c < 3; ++c) img[y * kSide + x][c] += a * (col[c] - img[y * kSide + x][c]);
      }
    }
  }
  // A small decoy: with probability 1/2, a shape of another class at under half the size.
  if (g.uniform() < 0.5) {
    const int other = (label + 1 + static_cast<int>(g.below(9))) % 10;
    draw_shape(img, other, uni(g, 0.35, 0.5), uni(g, 5, 26), uni(g, 5, 26), random_colour(g), g);
  }
  // The class shape at a random position (centred on the image centre 15.5, so positions
  // are as likely as their mirror images), scale and colour, on top.
  draw_shape(img, label, uni(g, 0.65, 1.3), uni(g, 11, 20), uni(g, 11, 20), fg, g);
  // Sensor noise, then quantize to (3, 32, 32) uint8.
  for (int y = 0; y < kSide; ++y) {
    for (int x = 0; x < kSide; ++x) {
      for (int c = 0; c < 3; ++c) {
        const double v = img[y * kSide + x][c] + o.noise() * g.normal();
        out[c * kSide * kSide + y * kSide + x] =
            static_cast<uint8_t>(std::lround(std::clamp(v, 0.0, 1.0) * 255.0));
      }
    }
  }
}

}  // namespace

const std::vector<std::string>& synthetic_class_names() {
  static const std::vector<std::string> names = {
      "grating_0", "grating_90", "grating_diagonal", "checkerboard", "disc",
      "ring",      "square",     "cross",            "triangle",     "frame"};
  return names;
}

namespace detail {

const std::vector<double>& synthetic_base_angles(int label) {
  JANUS_CHECK(label >= 0 && label < 10, "synthetic_base_angles: expected a label in 0..9 (got {})",
              label);
  static const std::vector<double> kBases[10] = {{0}, {90}, {45, 135}, {0}, {0},
                                                 {0}, {0},  {0},       {0}, {0}};
  return kBases[label];
}

std::vector<double> synthetic_shape_mask(int label, double angle_deg, double period,
                                         double phase_u, double phase_v) {
  JANUS_CHECK(label >= 0 && label < 10, "synthetic_shape_mask: expected a label in 0..9 (got {})",
              label);
  JANUS_CHECK(period > 0, "synthetic_shape_mask: expected period > 0 (got {})", period);
  std::array<Rgb, kSide * kSide> img{};  // (H, W) of RGB, black
  blend_shape(img, Shape{label, period, phase_u, phase_v}, angle_deg, 1.0, 15.5, 15.5, 1.0,
              Rgb{1.0, 1.0, 1.0});
  std::vector<double> mask(kSide * kSide);  // (32, 32)
  for (int k = 0; k < kSide * kSide; ++k) mask[static_cast<size_t>(k)] = img[static_cast<size_t>(k)][0];
  return mask;
}

}  // namespace detail

Dataset make_synthetic(const SyntheticOptions& options, Split split) {
  const int64_t n = split == Split::kTrain ? options.train_size() : options.test_size();
  JANUS_CHECK(n >= 0, "make_synthetic: dataset size must be >= 0 (got {})", n);
  JANUS_CHECK(options.noise() >= 0.0 && options.max_distractors() >= 0,
              "make_synthetic: noise and max_distractors must be >= 0 (got {}, {})",
              options.noise(), options.max_distractors());
  const int64_t m = 3 * kSide * kSide;
  std::vector<uint8_t> pixels(static_cast<size_t>(n * m));  // (N, 3, 32, 32)
  std::vector<int32_t> labels(static_cast<size_t>(n));
  const uint64_t stream = detail::mix_seed(options.seed(), split == Split::kTrain ? 0 : 1);
  parallel_for(0, n, 16, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      Generator g(detail::mix_seed(stream, static_cast<uint64_t>(i)));
      const int label = static_cast<int>(i % 10);
      labels[static_cast<size_t>(i)] = label;
      render(pixels.data() + i * m, label, g, options);
    }
  });
  return Dataset::from_uint8(std::move(pixels), {n, 3, kSide, kSide}, std::move(labels),
                             synthetic_class_names());
}

}  // namespace janus::datasets
