// Helpers shared by the Keras frontend's sources: shape text and weight lookup by name.
#include "keras_internal.h"

#include <fmt/format.h>

namespace janus::keras {

std::string keras_shape(const Shape& s) {
  std::string out = "(None";
  for (int64_t v : s) out += fmt::format(", {}", v);
  return out + ")";
}

const Tensor* find_weight(const NamedTensors& weights, const std::string& name) {
  for (const auto& [n, t] : weights)
    if (n == name) return &t;
  return nullptr;
}

}  // namespace janus::keras
