// A synthetic CIFAR-style dataset that needs no download: 10 classes of 32x32 RGB images,
// procedurally drawn from a seed. Each class is a shape family -- gratings at 0 and 90
// degrees, a diagonal grating (45 or 135 degrees), checkerboard, disc, ring, square, cross,
// triangle, square frame -- drawn at a random position, scale (0.65..1.3), rotation (+-20
// degrees) and opacity, in a random colour over a random gradient background, over
// distractors (Gaussian blobs, strokes and, in half the images, a small decoy shape of
// another class) and per-pixel Gaussian noise. Colour says nothing about the class; only
// shape, orientation and size do. No class is the mirror image of another and every class
// is its own mirror image, so CIFAR's random horizontal flip keeps labels right.
//
//   Dataset train = make_synthetic(SyntheticOptions().train_size(20000).seed(1), Split::kTrain);
#pragma once

#include <janus/datasets/dataset.h>

#include <cstdint>
#include <string>
#include <vector>

namespace janus::datasets {

class SyntheticOptions {
 public:
  // Images in the training split. Default 10000.
  SyntheticOptions& train_size(int64_t n) { train_size_ = n; return *this; }
  // Images in the test split. Default 2000.
  SyntheticOptions& test_size(int64_t n) { test_size_ = n; return *this; }
  // Seed; train and test draw from different streams of it. Default 0.
  SyntheticOptions& seed(uint64_t s) { seed_ = s; return *this; }
  // Standard deviation of the per-pixel Gaussian noise, in [0, 1] units. Default 0.08.
  SyntheticOptions& noise(double sigma) { noise_ = sigma; return *this; }
  // Number of distractor blobs/strokes per image is uniform in 0..max. Default 3.
  SyntheticOptions& max_distractors(int n) { max_distractors_ = n; return *this; }

  int64_t train_size() const { return train_size_; }
  int64_t test_size() const { return test_size_; }
  uint64_t seed() const { return seed_; }
  double noise() const { return noise_; }
  int max_distractors() const { return max_distractors_; }

 private:
  int64_t train_size_ = 10000;
  int64_t test_size_ = 2000;
  uint64_t seed_ = 0;
  double noise_ = 0.08;
  int max_distractors_ = 3;
};

// The split's images, uint8 (N, 3, 32, 32); labels cycle 0..9 so classes are balanced.
// Image i depends only on (seed, split, i): any thread count gives the same bytes.
Dataset make_synthetic(const SyntheticOptions& options, Split split);

// The ten class names of the synthetic set.
const std::vector<std::string>& synthetic_class_names();

namespace detail {

// Internal, exposed for tests: how the class shapes are defined.
// Rotation jitter, uniform in +-this many degrees around a class orientation.
inline constexpr double kSyntheticJitterDeg = 20.0;
// The orientations (degrees) class `label` is drawn at, one picked uniformly per image.
const std::vector<double>& synthetic_base_angles(int label);
// Class `label`'s shape alone as a (32, 32) opacity mask in [0, 1]: centred, scale 1,
// rotated by angle_deg, no background, distractors or noise. period (pixels) and the phases
// (radians) matter only for the gratings (phase_v) and the checkerboard (both).
std::vector<double> synthetic_shape_mask(int label, double angle_deg, double period,
                                         double phase_u, double phase_v);

}  // namespace detail

}  // namespace janus::datasets
