// Transforms. Whole-dataset: to_float (uint8 -> [0, 1]) and normalize with per-channel
// statistics computed from the TRAINING set. Per-batch, seeded, applied by the DataLoader
// in the order given to float (N, C, H, W) batches in [0, 1]: RandomCrop (zero padding,
// default 4), RandomHorizontalFlip (p = 0.5), Normalize. Put Normalize last so that crop
// padding is black, as in the usual CIFAR recipe.
//
//   ChannelStats stats = compute_channel_stats(train);        // on [0, 1] values
//   DataLoaderOptions(128).transform(std::make_shared<RandomCrop>(4))
//                         .transform(std::make_shared<RandomHorizontalFlip>(0.5))
//                         .transform(std::make_shared<Normalize>(stats));
#pragma once

#include <janus/core/random.h>
#include <janus/datasets/dataset.h>

#include <string>
#include <vector>

namespace janus::datasets {

// Per-channel mean and standard deviation (population, divide by N) of [0, 1] values.
struct ChannelStats {
  std::vector<float> mean;
  std::vector<float> std;
};

ChannelStats compute_channel_stats(const Dataset& train);
// uint8 -> float in [0, 1] (a float dataset is returned as is).
Dataset to_float(const Dataset& data);
// (x - mean[c]) / std[c] for every pixel; uint8 input is scaled to [0, 1] first.
Dataset normalize(const Dataset& data, const ChannelStats& stats);

// A seeded in-place transform of a float batch (N, C, H, W). Draws from `gen` in a fixed
// order (image by image), so a given generator state always gives the same result.
class BatchTransform {
 public:
  virtual ~BatchTransform() = default;
  virtual void apply(float* batch, const Shape& shape, Generator& gen) const = 0;
  virtual std::string name() const = 0;
};

// Pads each image with `padding` zeros on every side, then crops an H x W window at a
// uniformly random offset in 0..2*padding on each axis.
class RandomCrop : public BatchTransform {
 public:
  explicit RandomCrop(int64_t padding = 4);
  void apply(float* batch, const Shape& shape, Generator& gen) const override;
  std::string name() const override;

 private:
  int64_t padding_;
};

// Mirrors each image left-right with probability p.
class RandomHorizontalFlip : public BatchTransform {
 public:
  explicit RandomHorizontalFlip(double p = 0.5);
  void apply(float* batch, const Shape& shape, Generator& gen) const override;
  std::string name() const override;

 private:
  double p_;
};

// (x - mean[c]) / std[c]; deterministic.
class Normalize : public BatchTransform {
 public:
  explicit Normalize(ChannelStats stats);
  void apply(float* batch, const Shape& shape, Generator& gen) const override;
  std::string name() const override;

 private:
  ChannelStats stats_;
};

}  // namespace janus::datasets
