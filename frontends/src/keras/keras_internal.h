// Helpers shared by the Keras frontend's sources (internal, not installed): Keras' shape
// text "(None, 4, 4, 3)" used in summaries and error messages, and the lookup of a weight
// by its Keras name in a set_weights() list, and compile()'s loss/metric checks.
#pragma once

#include <janus/core/tensor.h>
#include <janus/core/graph.h>  // NamedTensors

#include <string>
#include <vector>

namespace janus::keras {

struct Loss;

// compile()'s checks: a known loss, known metrics that suit it, an output it can score.
void check_loss_and_metrics(const Loss& loss, const std::vector<std::string>& metrics, const Shape& output_shape);

// "(None, d1, d2, ...)": a Keras shape without the batch axis, printed with it.
std::string keras_shape(const Shape& s);

// Names ending in ".weights.h5": Keras 3's HDF5 weight files (weights_h5.cpp).
bool is_keras_weights_h5(const std::string& path);

// The tensor named `name` in `weights` (the first one), or nullptr when there is none.
const Tensor* find_weight(const NamedTensors& weights, const std::string& name);

}  // namespace janus::keras
