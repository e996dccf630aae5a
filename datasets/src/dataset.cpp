// Dataset: construction with label checks, per-image float access, slicing and concat.
#include <janus/datasets/dataset.h>

#include <algorithm>
#include <cstring>

namespace janus::datasets {
namespace {

void check_labels(const std::vector<int32_t>& labels, int64_t n, int64_t num_classes) {
  JANUS_CHECK(static_cast<int64_t>(labels.size()) == n,
              "Dataset: expected {} labels, one per image (got {})", n, labels.size());
  JANUS_CHECK(num_classes > 0, "Dataset: expected at least one class name (got none)");
  for (size_t i = 0; i < labels.size(); ++i) {
    JANUS_CHECK(labels[i] >= 0 && labels[i] < num_classes,
                "Dataset: label {} of image {} is out of range 0..{}", labels[i], i,
                num_classes - 1);
  }
}

void check_shape(const Shape& shape) {
  JANUS_CHECK(shape.size() == 4, "Dataset: expected images (N, C, H, W) (got shape {})",
              shape_str(shape));
  for (int64_t s : shape) {
    JANUS_CHECK(s >= 0, "Dataset: negative size in image shape {}", shape_str(shape));
  }
}

}  // namespace

Dataset Dataset::from_uint8(std::vector<uint8_t> pixels, const Shape& shape,
                            std::vector<int32_t> labels, std::vector<std::string> class_names) {
  check_shape(shape);
  JANUS_CHECK(static_cast<int64_t>(pixels.size()) == numel_of(shape),
              "Dataset: {} pixels do not fill images of shape {} ({} expected)", pixels.size(),
              shape_str(shape), numel_of(shape));
  check_labels(labels, shape[0], static_cast<int64_t>(class_names.size()));
  Dataset d;
  d.pixels_ = std::make_shared<std::vector<uint8_t>>(std::move(pixels));
  d.shape_ = shape;
  d.labels_ = std::move(labels);
  d.class_names_ = std::move(class_names);
  return d;
}

Dataset Dataset::from_float(const Tensor& images, std::vector<int32_t> labels,
                            std::vector<std::string> class_names) {
  JANUS_CHECK(images.defined(), "Dataset: images tensor is undefined");
  check_shape(images.shape());
  check_labels(labels, images.size(0), static_cast<int64_t>(class_names.size()));
  Dataset d;
  d.images_ = images.detach();
  d.shape_ = images.shape();
  d.labels_ = std::move(labels);
  d.class_names_ = std::move(class_names);
  return d;
}

const uint8_t* Dataset::pixels() const {
  JANUS_CHECK(is_uint8(), "Dataset: pixels() needs uint8 images (these are float)");
  return pixels_->data();
}

const Tensor& Dataset::images() const {
  JANUS_CHECK(!is_uint8(), "Dataset: images() needs float images (these are uint8) -- hint: call "
              "to_float() first");
  return images_;
}

void Dataset::image_to_float(int64_t i, float* dst) const {
  JANUS_CHECK(i >= 0 && i < size(), "Dataset: image index {} out of range 0..{}", i, size() - 1);
  const int64_t m = image_numel();
  if (is_uint8()) {
    const uint8_t* src = pixels_->data() + i * m;
    for (int64_t k = 0; k < m; ++k) dst[k] = static_cast<float>(src[k]) * (1.0f / 255.0f);
  } else {
    std::memcpy(dst, images_.data() + i * m, static_cast<size_t>(m) * sizeof(float));
  }
}

Tensor Dataset::labels_tensor() const {
  Tensor t = janus::empty({size()});
  for (int64_t i = 0; i < size(); ++i) t.data()[i] = static_cast<float>(labels_[i]);
  return t;
}

std::vector<int64_t> Dataset::class_counts() const {
  std::vector<int64_t> counts(class_names_.size(), 0);
  for (int32_t l : labels_) ++counts[static_cast<size_t>(l)];
  return counts;
}

Dataset Dataset::slice(int64_t begin, int64_t end) const {
  JANUS_CHECK(0 <= begin && begin <= end && end <= size(),
              "Dataset: slice [{}, {}) is outside 0..{}", begin, end, size());
  std::vector<int64_t> idx(static_cast<size_t>(end - begin));
  for (int64_t i = begin; i < end; ++i) idx[static_cast<size_t>(i - begin)] = i;
  return select(idx);
}

Dataset Dataset::select(const std::vector<int64_t>& indices) const {
  const int64_t n = static_cast<int64_t>(indices.size()), m = image_numel();
  Shape shape = shape_;
  shape[0] = n;
  std::vector<int32_t> labels(indices.size());
  for (size_t k = 0; k < indices.size(); ++k) {
    JANUS_CHECK(indices[k] >= 0 && indices[k] < size(),
                "Dataset: select index {} out of range 0..{}", indices[k], size() - 1);
    labels[k] = labels_[static_cast<size_t>(indices[k])];
  }
  if (is_uint8()) {
    std::vector<uint8_t> px(static_cast<size_t>(n * m));
    for (int64_t k = 0; k < n; ++k) {
      std::memcpy(px.data() + k * m, pixels_->data() + indices[k] * m, static_cast<size_t>(m));
    }
    return from_uint8(std::move(px), shape, std::move(labels), class_names_);
  }
  Tensor out = janus::empty(shape);
  for (int64_t k = 0; k < n; ++k) {
    std::memcpy(out.data() + k * m, images_.data() + indices[k] * m,
                static_cast<size_t>(m) * sizeof(float));
  }
  return from_float(out, std::move(labels), class_names_);
}

Dataset concat(const std::vector<Dataset>& parts) {
  JANUS_CHECK(!parts.empty(), "datasets::concat: expected at least one dataset (got none)");
  const Dataset& first = parts.front();
  int64_t n = 0;
  for (const Dataset& p : parts) {
    JANUS_CHECK(p.is_uint8() == first.is_uint8(),
                "datasets::concat: cannot mix uint8 and float datasets");
    JANUS_CHECK(p.channels() == first.channels() && p.height() == first.height() &&
                    p.width() == first.width(),
                "datasets::concat: image shapes differ ({} vs {})", shape_str(p.image_shape()),
                shape_str(first.image_shape()));
    JANUS_CHECK(p.class_names() == first.class_names(),
                "datasets::concat: class names differ between parts");
    n += p.size();
  }
  Shape shape = first.image_shape();
  shape[0] = n;
  const int64_t m = first.image_numel();
  std::vector<int32_t> labels;
  labels.reserve(static_cast<size_t>(n));
  for (const Dataset& p : parts) labels.insert(labels.end(), p.labels().begin(), p.labels().end());
  if (first.is_uint8()) {
    std::vector<uint8_t> px;
    px.reserve(static_cast<size_t>(n * m));
    for (const Dataset& p : parts) px.insert(px.end(), p.pixels(), p.pixels() + p.size() * m);
    return Dataset::from_uint8(std::move(px), shape, std::move(labels), first.class_names());
  }
  Tensor out = janus::empty(shape);
  int64_t at = 0;
  for (const Dataset& p : parts) {
    std::memcpy(out.data() + at, p.images().data(), static_cast<size_t>(p.size() * m) * sizeof(float));
    at += p.size() * m;
  }
  return Dataset::from_float(out, std::move(labels), first.class_names());
}

const std::vector<std::string>& cifar10_class_names() {
  static const std::vector<std::string> names = {"airplane", "automobile", "bird",  "cat",  "deer",
                                                 "dog",      "frog",       "horse", "ship", "truck"};
  return names;
}

}  // namespace janus::datasets
