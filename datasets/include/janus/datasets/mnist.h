// MNIST in its original IDX format, raw or gzipped (detected by the gzip magic, inflated
// with zlib). IDX: big-endian uint32 magic 0x00000803 (uint8, 3-D images) or 0x00000801
// (uint8, 1-D labels), then one uint32 per dimension, then the bytes, nothing after.
// Limits: no dimension may be 0 and their product (the payload) at most
// kMaxIdxPayloadBytes; a gzipped file is inflated only as far as its header says it holds,
// so a decompression bomb stops there with an error naming the file.
//
//   Dataset train = janus::datasets::load_mnist(dir, Split::kTrain);  // [60000, 1, 28, 28]
#pragma once

#include <janus/datasets/dataset.h>

#include <cstdint>
#include <string>
#include <vector>

namespace janus::datasets {

// The largest IDX payload janus reads: 1 GiB (MNIST's training images are 47 MB).
constexpr uint64_t kMaxIdxPayloadBytes = uint64_t{1} << 30;

// One parsed IDX array of unsigned bytes.
struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;  // prod(dims) bytes, row-major
};

// Parses IDX bytes; `expected_rank` is 3 for images and 1 for labels, so the magic must be
// 0x00000803 or 0x00000801. `path` names the source in errors.
IdxArray parse_idx(const std::vector<uint8_t>& bytes, int expected_rank, const std::string& path);
// Reads and parses an IDX file (gzipped or not).
IdxArray read_idx(const std::string& path, int expected_rank);

// Images + labels IDX files -> a dataset (N, 1, rows, cols) with class names "0".."9".
// Image and label counts must match and labels must be 0..9.
Dataset load_mnist_files(const std::string& images_path, const std::string& labels_path);
// dir/{train,t10k}-{images-idx3,labels-idx1}-ubyte, with or without .gz.
Dataset load_mnist(const std::string& dir, Split split);

}  // namespace janus::datasets
