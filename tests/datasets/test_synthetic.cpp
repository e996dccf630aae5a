// Synthetic CIFAR-style set: shape, balance, determinism across thread counts, distinct
// train/test streams and seeds, and signs that the classes are learnable but not trivial.
#include <janus/core/parallel.h>
#include <janus/datasets/synthetic.h>
#include <janus/datasets/transforms.h>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>

using namespace janus::datasets;

TEST_CASE("synthetic set has the requested sizes and balanced labels", "[datasets]") {
  SyntheticOptions o = SyntheticOptions().train_size(200).test_size(30).seed(3);
  Dataset train = make_synthetic(o, Split::kTrain);
  Dataset test = make_synthetic(o, Split::kTest);
  CHECK(train.image_shape() == janus::Shape{200, 3, 32, 32});
  CHECK(test.image_shape() == janus::Shape{30, 3, 32, 32});
  CHECK(train.num_classes() == 10);
  for (int64_t c : train.class_counts()) CHECK(c == 20);
  // Pixels use the whole range, not a constant.
  int lo = 255, hi = 0;
  for (int64_t k = 0; k < 200 * 3072; ++k) {
    lo = std::min<int>(lo, train.pixels()[k]);
    hi = std::max<int>(hi, train.pixels()[k]);
  }
  CHECK(lo < 10);
  CHECK(hi > 245);
}

TEST_CASE("synthetic set is deterministic and independent of thread count", "[datasets]") {
  SyntheticOptions o = SyntheticOptions().train_size(64).test_size(16).seed(11);
  const int saved = janus::num_threads();
  janus::set_num_threads(1);
  Dataset a = make_synthetic(o, Split::kTrain);
  janus::set_num_threads(std::max(2, saved));
  Dataset b = make_synthetic(o, Split::kTrain);
  janus::set_num_threads(saved);
  CHECK(std::memcmp(a.pixels(), b.pixels(), 64 * 3072) == 0);
  // A longer set starts with the same images (image i depends on i only).
  Dataset longer = make_synthetic(SyntheticOptions().train_size(100).seed(11), Split::kTrain);
  CHECK(std::memcmp(a.pixels(), longer.pixels(), 64 * 3072) == 0);
  Dataset other_seed = make_synthetic(SyntheticOptions().train_size(64).seed(12), Split::kTrain);
  CHECK(std::memcmp(a.pixels(), other_seed.pixels(), 3072) != 0);
  Dataset test = make_synthetic(o, Split::kTest);
  CHECK(std::memcmp(a.pixels(), test.pixels(), 3072) != 0);
}

TEST_CASE("synthetic classes are not separable by mean colour", "[datasets]") {
  // Colour is random per image, so the per-class mean colour is close to the global one;
  // a classifier has to look at shape.
  Dataset d = make_synthetic(SyntheticOptions().train_size(2000), Split::kTrain);
  ChannelStats all = compute_channel_stats(d);
  for (int cls = 0; cls < 10; ++cls) {
    std::vector<int64_t> idx;
    for (int64_t i = 0; i < d.size(); ++i) if (d.label(i) == cls) idx.push_back(i);
    ChannelStats s = compute_channel_stats(d.select(idx));
    for (int c = 0; c < 3; ++c) CHECK(std::abs(s.mean[c] - all.mean[c]) < 0.06f);
  }
}

TEST_CASE("synthetic classes differ in shape statistics", "[datasets]") {
  // Nearest-centroid on a crude shape feature (per-image mean absolute horizontal vs
  // vertical gradient) separates the horizontal from the vertical grating class well.
  Dataset d = make_synthetic(SyntheticOptions().train_size(400).noise(0.0), Split::kTrain);
  int correct = 0, total = 0;
  for (int64_t i = 0; i < d.size(); ++i) {
    if (d.label(i) > 1) continue;
    const uint8_t* p = d.pixels() + i * 3072;
    double gx = 0, gy = 0;
    for (int c = 0; c < 3; ++c)
      for (int y = 1; y < 32; ++y)
        for (int x = 1; x < 32; ++x) {
          const uint8_t* q = p + c * 1024 + y * 32 + x;
          gx += std::abs(q[0] - q[-1]);
          gy += std::abs(q[0] - q[-32]);
        }
    // Class 0 stripes run horizontally (intensity varies along y): gy > gx.
    const int guess = gy > gx ? 0 : 1;
    correct += guess == d.label(i);
    ++total;
  }
  CHECK(total == 80);
  CHECK(correct >= 60);
}

TEST_CASE("synthetic options are validated", "[datasets]") {
  CHECK_THROWS_AS(make_synthetic(SyntheticOptions().train_size(-1), Split::kTrain), janus::Error);
  CHECK_THROWS_AS(make_synthetic(SyntheticOptions().noise(-0.1), Split::kTrain), janus::Error);
}
