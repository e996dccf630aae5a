// Dataset: an in-memory image classification set, images (N, C, H, W) + labels (N) +
// class names. Images are held either as uint8 pixels (as stored on disk, 0..255) or as a
// float Tensor (after to_float/normalize). Copies share the pixel storage.
//
//   janus::datasets::Dataset train = janus::datasets::load_cifar10_dir(dir, Split::kTrain);
//   train.size();         // 50000
//   train.image_shape();  // [50000, 3, 32, 32]
//   train.label(0);       // 6 ("frog")
#pragma once

#include <janus/core/tensor.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace janus::datasets {

enum class Split { kTrain, kTest };

class Dataset {
 public:
  Dataset() = default;
  // uint8 pixels, (N, C, H, W) row-major; labels in 0..class_names.size()-1 are checked.
  static Dataset from_uint8(std::vector<uint8_t> pixels, const Shape& shape,
                            std::vector<int32_t> labels, std::vector<std::string> class_names);
  // Float images (N, C, H, W); same label checks.
  static Dataset from_float(const Tensor& images, std::vector<int32_t> labels,
                            std::vector<std::string> class_names);

  bool is_uint8() const { return static_cast<bool>(pixels_); }
  bool empty() const { return shape_.empty() || shape_[0] == 0; }
  int64_t size() const { return shape_.empty() ? 0 : shape_[0]; }
  int64_t channels() const { return shape_.at(1); }
  int64_t height() const { return shape_.at(2); }
  int64_t width() const { return shape_.at(3); }
  // (N, C, H, W).
  const Shape& image_shape() const { return shape_; }
  int64_t image_numel() const { return channels() * height() * width(); }

  // uint8 pixels (N, C, H, W); throws unless is_uint8().
  const uint8_t* pixels() const;
  // Float images (N, C, H, W); throws if is_uint8() (use to_float() first).
  const Tensor& images() const;
  // Writes image i as C*H*W floats: uint8 scaled to [0, 1], float copied as is.
  void image_to_float(int64_t i, float* dst) const;

  int32_t label(int64_t i) const { return labels_.at(static_cast<size_t>(i)); }
  const std::vector<int32_t>& labels() const { return labels_; }
  // Labels as a float tensor of class indices (N).
  Tensor labels_tensor() const;
  const std::vector<std::string>& class_names() const { return class_names_; }
  int64_t num_classes() const { return static_cast<int64_t>(class_names_.size()); }
  // How many images of each class (num_classes()).
  std::vector<int64_t> class_counts() const;

  // Images [begin, end) as a new dataset sharing nothing (a copy).
  Dataset slice(int64_t begin, int64_t end) const;
  // The images at `indices`, in that order (a copy).
  Dataset select(const std::vector<int64_t>& indices) const;

 private:
  std::shared_ptr<std::vector<uint8_t>> pixels_;  // (N, C, H, W) when uint8
  Tensor images_;                                 // (N, C, H, W) when float
  Shape shape_;
  std::vector<int32_t> labels_;
  std::vector<std::string> class_names_;
};

// Concatenates datasets with the same image size and class names (e.g. CIFAR batches).
Dataset concat(const std::vector<Dataset>& parts);

// The ten CIFAR-10 class names, label order.
const std::vector<std::string>& cifar10_class_names();

}  // namespace janus::datasets
