// keras::utils helpers for data: to_categorical, Keras' one-hot encoding of class labels.
//
//   Tensor y_onehot = keras::utils::to_categorical(y_train, 10);   // (N) -> (N, 10)
#pragma once

#include <janus/core/tensor.h>

#include <cstdint>

namespace janus::keras::utils {

// Integer class labels (stored as floats, any shape; a trailing axis of 1 is dropped, as
// Keras does) -> one-hot float rows with `num_classes` columns appended as the last axis.
// num_classes = -1 means max(label) + 1. Throws janus::Error for a label that is negative,
// not an integer, or not below num_classes.
Tensor to_categorical(const Tensor& labels, int64_t num_classes = -1);

}  // namespace janus::keras::utils
