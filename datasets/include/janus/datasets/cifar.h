// CIFAR-10, binary version: records of 3073 bytes, <label><1024 R><1024 G><1024 B>, each
// plane 32x32 row-major, no header. A file holds file_size / 3073 records (the official
// batches hold 10000; a size that is not a multiple of 3073 is an error).
//
//   Dataset train = load_cifar10_dir("/data/cifar-10-batches-bin", Split::kTrain);
//   Dataset some = load_cifar10({"a.bin", "b.bin"}, "batches.meta.txt");
#pragma once

#include <janus/datasets/dataset.h>

#include <string>
#include <vector>

namespace janus::datasets {

constexpr int64_t kCifarRecordBytes = 3073;

// Parses the records of one file already in memory; `path` names it in errors.
Dataset parse_cifar10(const std::vector<uint8_t>& bytes, const std::string& path,
                      const std::vector<std::string>& class_names);
// Reads class names, one per line (blank lines ignored). Must name at least 10 classes.
std::vector<std::string> read_cifar10_meta(const std::string& path);
// Loads and concatenates the given batch files. Class names come from `meta_path`, or the
// standard ten names when it is empty.
Dataset load_cifar10(const std::vector<std::string>& files, const std::string& meta_path = "");
// dir/data_batch_1..5.bin (train) or dir/test_batch.bin, falling back to
// dir/test_batch_first1000.bin (test); names from dir/batches.meta.txt when present.
Dataset load_cifar10_dir(const std::string& dir, Split split);

}  // namespace janus::datasets
