// keras::utils::to_categorical: labels -> one-hot rows, Keras' shape rule (a trailing axis of
// 1 is dropped before the class axis is appended) with every label checked.
#include <janus/core/error.h>
#include <janus/keras/utils.h>

#include <cmath>

namespace janus::keras::utils {

namespace {
// Bounds that keep a mistaken label (say 1e9) from asking for gigabytes: 2^24 classes is where
// float32 stops representing every whole number, and 2^31 one-hot elements is 8 GiB.
constexpr float kMaxClasses = 16777216.0f;
constexpr int64_t kMaxOneHotElements = int64_t{1} << 31;
}  // namespace

Tensor to_categorical(const Tensor& labels, int64_t num_classes) {
  JANUS_CHECK(labels.defined(), "to_categorical: the labels are undefined");
  const std::vector<float> v = labels.to_vector();
  // Every label is a whole number >= 0 before any cast (a NaN or a huge float cast to int64
  // would be undefined behaviour).
  for (size_t i = 0; i < v.size(); ++i)
    JANUS_CHECK(std::isfinite(v[i]) && v[i] >= 0.0f && std::floor(v[i]) == v[i] && v[i] < kMaxClasses,
                "to_categorical: label {} at index {} is not a class index (a whole number in [0, {}))", v[i], i,
                kMaxClasses);
  int64_t k = num_classes;
  if (k == -1) {
    k = 0;
    for (float l : v) k = std::max<int64_t>(k, static_cast<int64_t>(l) + 1);
  }
  JANUS_CHECK(k >= 1, "to_categorical: num_classes must be positive or -1 (got {})", num_classes);
  JANUS_CHECK(static_cast<double>(k) * static_cast<double>(v.size()) <= static_cast<double>(kMaxOneHotElements),
              "to_categorical: {} labels x {} classes is more than {} one-hot elements", v.size(), k,
              kMaxOneHotElements);
  for (size_t i = 0; i < v.size(); ++i)
    JANUS_CHECK(v[i] < static_cast<float>(k), "to_categorical: label {} at index {} is not a class index in [0, {})",
                v[i], i, k);
  Shape shape = labels.shape();
  if (shape.size() > 1 && shape.back() == 1) shape.pop_back();
  shape.push_back(k);
  Tensor out = zeros(shape);
  for (size_t i = 0; i < v.size(); ++i) out.data()[static_cast<int64_t>(i) * k + static_cast<int64_t>(v[i])] = 1.0f;
  return out;
}

}  // namespace janus::keras::utils
