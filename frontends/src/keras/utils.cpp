// keras::utils::to_categorical: labels -> one-hot rows, Keras' shape rule (a trailing axis of
// 1 is dropped before the class axis is appended) with every label checked.
#include <janus/core/error.h>
#include <janus/keras/utils.h>

#include <cmath>

namespace janus::keras::utils {

Tensor to_categorical(const Tensor& labels, int64_t num_classes) {
  JANUS_CHECK(labels.defined(), "to_categorical: the labels are undefined");
  const std::vector<float> v = labels.to_vector();
  int64_t k = num_classes;
  if (k == -1) {
    k = 0;
    for (float l : v) k = std::max<int64_t>(k, static_cast<int64_t>(l) + 1);
  }
  JANUS_CHECK(k >= 1, "to_categorical: num_classes must be positive or -1 (got {})", num_classes);
  for (size_t i = 0; i < v.size(); ++i)
    JANUS_CHECK(v[i] >= 0.0f && v[i] < static_cast<float>(k) && std::floor(v[i]) == v[i],
                "to_categorical: label {} at index {} is not a class index in [0, {})", v[i], i, k);
  Shape shape = labels.shape();
  if (shape.size() > 1 && shape.back() == 1) shape.pop_back();
  shape.push_back(k);
  Tensor out = zeros(shape);
  for (size_t i = 0; i < v.size(); ++i) out.data()[static_cast<int64_t>(i) * k + static_cast<int64_t>(v[i])] = 1.0f;
  return out;
}

}  // namespace janus::keras::utils
