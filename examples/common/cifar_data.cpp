// load_cifar_data: synthetic or CIFAR-10 files, normalized with training-set statistics.
#include "common/cifar_data.h"
#include "common/data_parallel.h"

#include <janus/core/error.h>
#include <janus/datasets/cifar.h>
#include <janus/datasets/synthetic.h>
#include <janus/training/output_dir.h>

#include <filesystem>
#include <sstream>

namespace janus::examples {

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

static datasets::Dataset take_first(const datasets::Dataset& d, int64_t n) {
  if (n <= 0 || n >= d.size()) return d;
  return d.slice(0, n);
}

static std::string describe_files(const std::vector<std::string>& files) {
  std::string s;
  for (size_t i = 0; i < files.size(); ++i) s += (i ? "," : "") + std::filesystem::path(files[i]).filename().string();
  return s;
}

CifarData load_cifar_data(const DataSpec& spec) {
  namespace ds = datasets;
  ds::Dataset train_raw, test_raw;
  std::string what;
  if (spec.data == "synthetic") {
    auto opts = ds::SyntheticOptions().seed(spec.synthetic_seed);
    if (spec.train_size > 0) opts.train_size(spec.train_size);
    if (spec.test_size > 0) opts.test_size(spec.test_size);
    train_raw = ds::make_synthetic(opts, ds::Split::kTrain);
    test_raw = ds::make_synthetic(opts, ds::Split::kTest);
    what = fmt::format("synthetic CIFAR-style set (seed {})", spec.synthetic_seed);
  } else {
    training::require_dir(spec.data, "--data");
    namespace fs = std::filesystem;
    std::vector<std::string> train_files = spec.train_files, test_files = spec.test_files;
    // symlink_status with an error code: a dangling link or a symlink loop counts as present
    // and the reader then names the file and the reason (never a filesystem_error escaping).
    auto present = [](const std::string& p) {
      std::error_code ec;
      return fs::exists(fs::symlink_status(p, ec));
    };
    const bool has_test = present(training::join_path(spec.data, "test_batch.bin"));
    if (train_files.empty()) {
      for (int i = 1; i <= (has_test ? 5 : 4); ++i) train_files.push_back(fmt::format("data_batch_{}.bin", i));
    }
    if (test_files.empty()) test_files.push_back(has_test ? "test_batch.bin" : "data_batch_5.bin");
    for (auto* list : {&train_files, &test_files})
      for (auto& f : *list) {
        if (!fs::path(f).is_absolute()) f = training::join_path(spec.data, f);
        JANUS_CHECK(present(f), "--data {}: missing CIFAR-10 file {} (expected the binary version, e.g. "
                    "data_batch_1.bin; see scripts/get_data.sh)", spec.data, f);
      }
    const std::string meta = training::join_path(spec.data, "batches.meta.txt");
    const std::string meta_path = present(meta) ? meta : "";
    train_raw = take_first(ds::load_cifar10(train_files, meta_path), spec.train_size);
    test_raw = take_first(ds::load_cifar10(test_files, meta_path), spec.test_size);
    what = fmt::format("CIFAR-10 from {} (train: {}; test: {})", spec.data, describe_files(train_files),
                       describe_files(test_files));
  }
  CifarData out;
  out.stats = ds::compute_channel_stats(train_raw);
  out.train = ds::normalize(train_raw, out.stats);
  out.test = ds::normalize(test_raw, out.stats);
  out.description = fmt::format("{}: {} train / {} test images", what, out.train.size(), out.test.size());
  return out;
}

std::unique_ptr<datasets::DataLoader> make_train_loader(const datasets::Dataset& train, int64_t batch, uint64_t seed,
                                                        bool augment, datasets::Layout layout) {
  JANUS_CHECK(batch >= 1 && batch <= train.size(), "--batch: expected 1..{} (the training set size) (got {})",
              train.size(), batch);
  auto opts = datasets::DataLoaderOptions(batch).shuffle(true).drop_last(true).seed(seed).layout(layout);
  if (under_mpirun()) {
    // --batch is the global batch: each rank takes its slice of every batch.
    check_global_batch(batch);
    opts.distributed(datasets::DistributedSampler(rank(), world_size()));
  }
  if (augment) {
    opts.transform(std::make_shared<datasets::RandomCrop>(4));
    opts.transform(std::make_shared<datasets::RandomHorizontalFlip>(0.5));
  }
  return std::make_unique<datasets::DataLoader>(train, opts);
}

std::unique_ptr<datasets::DataLoader> make_eval_loader(const datasets::Dataset& data, int64_t batch,
                                                       datasets::Layout layout) {
  auto opts = datasets::DataLoaderOptions(batch).shuffle(false).drop_last(false).layout(layout);
  if (under_mpirun()) opts.distributed(datasets::DistributedSampler(rank(), world_size()));
  return std::make_unique<datasets::DataLoader>(data, opts);
}

}  // namespace janus::examples
