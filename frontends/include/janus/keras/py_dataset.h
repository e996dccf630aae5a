// keras::utils::PyDataset: a source of whole batches for Sequential::fit(), Keras'
// PyDataset idea in C++. size() is the number of batches per epoch, get(index) the batch at
// `index` (x channels-last, y as fit(x, y) takes it), and the epoch hooks let a dataset
// reshuffle or re-augment between epochs. fit() reads the batches of an epoch in order, or
// in a shuffled order with FitOptions().shuffle(true) (the default, as in Keras).
//
//   class MyData : public keras::utils::PyDataset {
//     int64_t size() const override { return (n_ + 63) / 64; }
//     keras::utils::DataBatch get(int64_t index) override { ... return {x, y}; }
//     void on_epoch_end() override { ++epoch_; }
//   };
//   model.fit(data, keras::FitOptions().epochs(30).shuffle(false));
#pragma once

#include <janus/core/tensor.h>

#include <cstdint>

namespace janus::keras::utils {

struct DataBatch {
  Tensor x;  // (B, H, W, C) or (B, features)
  Tensor y;  // (B) class indices, (B, classes) one-hot, or the output's shape
};

class PyDataset {
 public:
  virtual ~PyDataset() = default;
  // Batches per epoch (Keras' __len__ / num_batches).
  virtual int64_t size() const = 0;
  // The batch at position `index` in [0, size()) (Keras' __getitem__).
  virtual DataBatch get(int64_t index) = 0;
  virtual void on_epoch_begin() {}
  virtual void on_epoch_end() {}
};

}  // namespace janus::keras::utils
