// Data for the CIFAR-style examples: `--data synthetic` (the seeded synthetic default, no
// download) or `--data DIR` (CIFAR-10 binary batches; default train data_batch_1..5 and
// test test_batch.bin, or data_batch_1..4 / data_batch_5 when test_batch.bin is absent).
// Images are normalized with per-channel mean/std computed from the training set, as in
// shared/reference/torch_cifar_curves.py; augmentation (crop pad 4 after normalization, so
// the padding is 0 = the mean colour, then flip) is applied per batch by the loader.
#pragma once
#include <janus/datasets/data_loader.h>
#include <janus/datasets/dataset.h>
#include <janus/datasets/transforms.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace janus::examples {

struct DataSpec {
  std::string data = "synthetic";
  std::vector<std::string> train_files;  // CIFAR only; empty: the defaults above
  std::vector<std::string> test_files;
  int64_t train_size = 0;   // synthetic: images to make; CIFAR: 0 = all, else the first n
  int64_t test_size = 0;
  uint64_t synthetic_seed = 0;
};

struct CifarData {
  datasets::Dataset train;       // float, normalized (N, 3, 32, 32)
  datasets::Dataset test;        // float, normalized
  datasets::ChannelStats stats;  // of the raw training images in [0, 1]
  std::string description;       // "CIFAR-10 (40000 train: data_batch_1.bin..., 10000 test: ...)"
};

// Loads and normalizes. Throws janus::Error naming the directory or file when it is missing
// or damaged.
CifarData load_cifar_data(const DataSpec& spec);

// Splits "a,b,c" into {"a", "b", "c"} (empty items dropped).
std::vector<std::string> split_list(const std::string& s);

// The training loader of the reference recipe: shuffled per epoch from `seed`, last
// incomplete batch dropped, random crop (pad 4) + horizontal flip. `augment` false: none.
std::unique_ptr<datasets::DataLoader> make_train_loader(const datasets::Dataset& train, int64_t batch, uint64_t seed,
                                                        bool augment = true,
                                                        datasets::Layout layout = datasets::Layout::kNCHW);
// In-order batches without augmentation (evaluation).
std::unique_ptr<datasets::DataLoader> make_eval_loader(const datasets::Dataset& data, int64_t batch,
                                                       datasets::Layout layout = datasets::Layout::kNCHW);

}  // namespace janus::examples
