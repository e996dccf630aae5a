// Dataset-level conversions (to_float, normalize, channel statistics) and the seeded
// per-batch augmentations (random crop with zero padding, horizontal flip, normalize).
#include <janus/datasets/transforms.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace janus::datasets {
namespace {

void check_batch(const Shape& shape, const char* who) {
  JANUS_CHECK(shape.size() == 4, "{}: expected a batch (N, C, H, W) (got shape {})", who,
              shape_str(shape));
}

void check_stats(const ChannelStats& stats, int64_t channels, const char* who) {
  JANUS_CHECK(static_cast<int64_t>(stats.mean.size()) == channels &&
                  static_cast<int64_t>(stats.std.size()) == channels,
              "{}: statistics for {} mean / {} std channels, images have {} channels", who,
              stats.mean.size(), stats.std.size(), channels);
  for (float s : stats.std) {
    JANUS_CHECK(s > 0.0f, "{}: std must be > 0 (got {}) -- hint: a constant channel cannot "
                "be normalized", who, s);
  }
}

}  // namespace

ChannelStats compute_channel_stats(const Dataset& train) {
  JANUS_CHECK(!train.empty(), "compute_channel_stats: the dataset is empty");
  const int64_t n = train.size(), c = train.channels(), hw = train.height() * train.width();
  // Sums in double, image by image, in a fixed order.
  std::vector<double> sum(static_cast<size_t>(c), 0.0), sq(static_cast<size_t>(c), 0.0);
  std::vector<float> img(static_cast<size_t>(c * hw));  // (C, H, W)
  for (int64_t i = 0; i < n; ++i) {
    train.image_to_float(i, img.data());
    for (int64_t ch = 0; ch < c; ++ch) {
      double s = 0, q = 0;
      for (int64_t k = 0; k < hw; ++k) {
        const double v = img[static_cast<size_t>(ch * hw + k)];
        s += v;
        q += v * v;
      }
      sum[static_cast<size_t>(ch)] += s;
      sq[static_cast<size_t>(ch)] += q;
    }
  }
  ChannelStats stats;
  const double count = static_cast<double>(n * hw);
  for (int64_t ch = 0; ch < c; ++ch) {
    const double mean = sum[static_cast<size_t>(ch)] / count;
    const double var = std::max(sq[static_cast<size_t>(ch)] / count - mean * mean, 0.0);
    stats.mean.push_back(static_cast<float>(mean));
    stats.std.push_back(static_cast<float>(std::sqrt(var)));
  }
  return stats;
}

Dataset to_float(const Dataset& data) {
  if (!data.is_uint8()) return data;
  Tensor out = empty(data.image_shape());  // (N, C, H, W)
  const int64_t m = data.image_numel();
  for (int64_t i = 0; i < data.size(); ++i) data.image_to_float(i, out.data() + i * m);
  return Dataset::from_float(out, data.labels(), data.class_names());
}

Dataset normalize(const Dataset& data, const ChannelStats& stats) {
  check_stats(stats, data.channels(), "normalize");
  Tensor out = empty(data.image_shape());  // (N, C, H, W)
  const int64_t m = data.image_numel();
  for (int64_t i = 0; i < data.size(); ++i) data.image_to_float(i, out.data() + i * m);
  Generator unused(0);
  Normalize(stats).apply(out.data(), data.image_shape(), unused);
  return Dataset::from_float(out, data.labels(), data.class_names());
}

RandomCrop::RandomCrop(int64_t padding) : padding_(padding) {
  JANUS_CHECK(padding >= 0, "RandomCrop: padding must be >= 0 (got {})", padding);
}

std::string RandomCrop::name() const { return fmt::format("RandomCrop(padding={})", padding_); }

void RandomCrop::apply(float* batch, const Shape& shape, Generator& gen) const {
  check_batch(shape, "RandomCrop");
  const int64_t n = shape[0], c = shape[1], h = shape[2], w = shape[3], p = padding_;
  std::vector<float> src(static_cast<size_t>(c * h * w));  // (C, H, W) copy of one image
  for (int64_t i = 0; i < n; ++i) {
    // Output pixel (y, x) comes from padded pixel (y + dy, x + dx), i.e. source pixel
    // (y + dy - p, x + dx - p), or zero where that falls in the padding.
    const int64_t dy = static_cast<int64_t>(gen.below(static_cast<uint64_t>(2 * p + 1)));
    const int64_t dx = static_cast<int64_t>(gen.below(static_cast<uint64_t>(2 * p + 1)));
    float* img = batch + i * c * h * w;
    std::copy(img, img + c * h * w, src.begin());
    for (int64_t ch = 0; ch < c; ++ch) {
      for (int64_t y = 0; y < h; ++y) {
        const int64_t sy = y + dy - p;
        for (int64_t x = 0; x < w; ++x) {
          const int64_t sx = x + dx - p;
          img[(ch * h + y) * w + x] = (sy >= 0 && sy < h && sx >= 0 && sx < w)
                                          ? src[static_cast<size_t>((ch * h + sy) * w + sx)]
                                          : 0.0f;
        }
      }
    }
  }
}

RandomHorizontalFlip::RandomHorizontalFlip(double p) : p_(p) {
  JANUS_CHECK(p >= 0.0 && p <= 1.0, "RandomHorizontalFlip: p must be in [0, 1] (got {})", p);
}

std::string RandomHorizontalFlip::name() const {
  return fmt::format("RandomHorizontalFlip(p={})", p_);
}

void RandomHorizontalFlip::apply(float* batch, const Shape& shape, Generator& gen) const {
  check_batch(shape, "RandomHorizontalFlip");
  const int64_t n = shape[0], c = shape[1], h = shape[2], w = shape[3];
  for (int64_t i = 0; i < n; ++i) {
    if (gen.uniform() >= p_) continue;
    for (int64_t row = 0; row < c * h; ++row) {
      float* r = batch + (i * c * h + row) * w;
      std::reverse(r, r + w);
    }
  }
}

Normalize::Normalize(ChannelStats stats) : stats_(std::move(stats)) {
  check_stats(stats_, static_cast<int64_t>(stats_.mean.size()), "Normalize");
}

std::string Normalize::name() const {
  return fmt::format("Normalize(mean=[{:.4f}], std=[{:.4f}])", fmt::join(stats_.mean, ", "),
                     fmt::join(stats_.std, ", "));
}

void Normalize::apply(float* batch, const Shape& shape, Generator&) const {
  check_batch(shape, "Normalize");
  check_stats(stats_, shape[1], "Normalize");
  const int64_t n = shape[0], c = shape[1], hw = shape[2] * shape[3];
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t ch = 0; ch < c; ++ch) {
      const float mean = stats_.mean[static_cast<size_t>(ch)];
      const float inv = 1.0f / stats_.std[static_cast<size_t>(ch)];
      float* p = batch + (i * c + ch) * hw;
      for (int64_t k = 0; k < hw; ++k) p[k] = (p[k] - mean) * inv;
    }
  }
}

}  // namespace janus::datasets
