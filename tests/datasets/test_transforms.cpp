// Transforms: uint8 -> [0, 1], channel statistics, normalization, random crop with zero
// padding, horizontal flip, all seeded and checked pixel by pixel.
#include <janus/datasets/transforms.h>

#include <catch2/catch.hpp>

#include <cmath>

using namespace janus::datasets;

namespace {

// Two 2-channel 3x4 images with known values.
Dataset small_uint8() {
  std::vector<uint8_t> px(2 * 2 * 3 * 4);
  for (size_t k = 0; k < px.size(); ++k) px[k] = static_cast<uint8_t>(k * 5);
  return Dataset::from_uint8(px, {2, 2, 3, 4}, {0, 1}, {"a", "b"});
}

}  // namespace

TEST_CASE("to_float scales to the unit interval and keeps labels", "[datasets]") {
  Dataset f = to_float(small_uint8());
  REQUIRE_FALSE(f.is_uint8());
  CHECK(f.images().shape() == janus::Shape{2, 2, 3, 4});
  CHECK(f.images().data()[7] == Approx(35.0 / 255.0));
  CHECK(f.labels() == std::vector<int32_t>{0, 1});
  CHECK_THROWS_AS(small_uint8().images(), janus::Error);
}

TEST_CASE("channel statistics and normalize give zero mean unit std", "[datasets]") {
  Dataset d = small_uint8();
  ChannelStats s = compute_channel_stats(d);
  // Channel 0 holds k in {0..11} and {24..35}, times 5 / 255.
  double mean0 = 0, sq0 = 0;
  for (int k : {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35}) {
    mean0 += k * 5 / 255.0 / 24;
    sq0 += (k * 5 / 255.0) * (k * 5 / 255.0) / 24;
  }
  CHECK(s.mean[0] == Approx(mean0).epsilon(1e-5));
  CHECK(s.std[0] == Approx(std::sqrt(sq0 - mean0 * mean0)).epsilon(1e-4));
  Dataset n = normalize(d, s);
  ChannelStats after = compute_channel_stats(n);
  for (int c = 0; c < 2; ++c) {
    CHECK(after.mean[c] == Approx(0.0).margin(1e-5));
    CHECK(after.std[c] == Approx(1.0).epsilon(1e-4));
  }
  CHECK_THROWS_WITH(normalize(d, ChannelStats{{0.5f}, {0.2f}}), Catch::Contains("1 mean"));
  CHECK_THROWS_WITH(Normalize(ChannelStats{{0.5f}, {0.0f}}), Catch::Contains("std must be > 0"));
}

TEST_CASE("random crop shifts content and pads with zeros", "[datasets]") {
  const int64_t n = 50, c = 1, h = 5, w = 6;
  std::vector<float> batch(n * c * h * w);
  for (size_t k = 0; k < batch.size(); ++k) batch[k] = 1.0f + static_cast<float>(k % 30);
  const std::vector<float> orig = batch;
  janus::Generator gen(5);
  RandomCrop(2).apply(batch.data(), {n, c, h, w}, gen);
  int shifted = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float* o = orig.data() + i * 30;
    const float* b = batch.data() + i * 30;
    // Recover the offset from the first non-zero pixel and check every pixel against it.
    bool found = false;
    for (int dy = -2; dy <= 2 && !found; ++dy)
      for (int dx = -2; dx <= 2 && !found; ++dx) {
        bool match = true;
        for (int y = 0; y < h && match; ++y)
          for (int x = 0; x < w && match; ++x) {
            const int sy = y + dy, sx = x + dx;
            const float want = (sy >= 0 && sy < h && sx >= 0 && sx < w) ? o[sy * w + sx] : 0.0f;
            match = b[y * w + x] == want;
          }
        if (match) {
          found = true;
          shifted += (dy != 0 || dx != 0);
        }
      }
    CHECK(found);
  }
  CHECK(shifted > 30);  // 24 of 25 offsets move the image
  std::vector<float> same = orig;
  janus::Generator g0(0);
  RandomCrop(0).apply(same.data(), {n, c, h, w}, g0);
  CHECK(same == orig);
}

TEST_CASE("horizontal flip mirrors rows with probability p", "[datasets]") {
  const int64_t n = 400, c = 2, h = 2, w = 3;
  std::vector<float> batch(n * c * h * w);
  for (size_t k = 0; k < batch.size(); ++k) batch[k] = static_cast<float>(k % 12);
  const std::vector<float> orig = batch;
  janus::Generator gen(1);
  RandomHorizontalFlip(0.5).apply(batch.data(), {n, c, h, w}, gen);
  int flipped = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float* b = batch.data() + i * 12;
    if (b[0] == 2.0f) {
      ++flipped;
      CHECK(b[1] == 1.0f);
      CHECK(b[2] == 0.0f);
      CHECK(b[9] == 11.0f);
    } else {
      CHECK(std::equal(b, b + 12, orig.data()));
    }
  }
  CHECK(flipped > 160);
  CHECK(flipped < 240);
  // Same seed, same result.
  std::vector<float> again = orig;
  janus::Generator gen2(1);
  RandomHorizontalFlip(0.5).apply(again.data(), {n, c, h, w}, gen2);
  CHECK(again == batch);
  CHECK_THROWS_AS(RandomHorizontalFlip(1.5), janus::Error);
}
