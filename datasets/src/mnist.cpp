// MNIST IDX reader: header (magic, dims) checked against the bytes that follow, so a
// wrong magic, a truncated or padded file, or a label out of range is a named error.
#include <janus/datasets/mnist.h>

#include "file_io.h"

#include <algorithm>
#include <filesystem>

namespace janus::datasets {
namespace {

uint32_t read_be32(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
         (static_cast<uint32_t>(p[2]) << 8) | static_cast<uint32_t>(p[3]);
}

std::string pick_existing(const std::string& dir, const std::string& stem) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (const std::string& name : {stem + ".gz", stem}) {
    const std::string p = (fs::path(dir) / name).string();
    if (fs::exists(fs::symlink_status(p, ec))) return p;  // a dangling link or a loop: the reader names it
  }
  JANUS_FAIL("mnist: neither '{0}' nor '{0}.gz' exists in '{1}' -- hint: run scripts/get_data.sh",
             stem, dir);
}

}  // namespace

namespace {

// The header's dims and the payload byte count they need, checked without the payload:
// magic, no zero dimension, a product under kMaxIdxPayloadBytes (so it never overflows).
struct IdxHeader {
  std::vector<int64_t> dims;
  uint64_t payload = 0;
  size_t bytes = 0;  // header size
};

IdxHeader read_idx_header(const std::vector<uint8_t>& bytes, int expected_rank, const std::string& path) {
  JANUS_CHECK(expected_rank >= 1 && expected_rank <= 255, "idx: bad expected rank {}", expected_rank);
  const uint32_t want_magic = 0x00000800u | static_cast<uint32_t>(expected_rank);
  JANUS_CHECK(bytes.size() >= 4, "idx: '{}' is too short for an IDX header ({} bytes)", path, bytes.size());
  const uint32_t magic = read_be32(bytes.data());
  JANUS_CHECK(magic == want_magic, "idx: '{}' has magic 0x{:08x}, expected 0x{:08x} (uint8, {}-D)", path, magic,
              want_magic, expected_rank);
  IdxHeader h;
  h.bytes = 4 + 4 * static_cast<size_t>(expected_rank);
  JANUS_CHECK(bytes.size() >= h.bytes, "idx: '{}' is truncated inside its header ({} of {} bytes)", path,
              bytes.size(), h.bytes);
  uint64_t count = 1;
  for (int d = 0; d < expected_rank; ++d) {
    const uint32_t dim = read_be32(bytes.data() + 4 + 4 * d);
    h.dims.push_back(dim);
    JANUS_CHECK(dim != 0, "idx: '{}' header dims {}: dimension {} is 0 (expected at least 1)", path,
                fmt::join(h.dims, " x "), d);
    // count <= kMaxIdxPayloadBytes < 2^31 and dim < 2^32, so the product fits uint64.
    count *= dim;
    JANUS_CHECK(count <= kMaxIdxPayloadBytes, "idx: '{}' header dims {}{} need more than the {} byte limit", path,
                fmt::join(h.dims, " x "), d + 1 < expected_rank ? " x ..." : "", kMaxIdxPayloadBytes);
  }
  h.payload = count;
  return h;
}

}  // namespace

IdxArray parse_idx(const std::vector<uint8_t>& bytes, int expected_rank, const std::string& path) {
  const IdxHeader h = read_idx_header(bytes, expected_rank, path);
  const uint64_t payload = bytes.size() - h.bytes;
  JANUS_CHECK(h.payload == payload,
              "idx: '{}' size does not match its header: dims {} need {} bytes after the header, "
              "file has {} ({})",
              path, fmt::join(h.dims, " x "), h.payload, payload, h.payload > payload ? "truncated" : "padded");
  IdxArray out;
  out.dims = h.dims;
  out.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(h.bytes), bytes.end());
  return out;
}

// The same, taking the buffer: the header is cut off in place instead of copying the payload,
// so a 1 GiB array costs 1 GiB, not 2.
static IdxArray parse_idx_owned(std::vector<uint8_t> bytes, int expected_rank, const std::string& path) {
  const IdxHeader h = read_idx_header(bytes, expected_rank, path);
  const uint64_t payload = bytes.size() - h.bytes;
  if (h.payload != payload) return parse_idx(bytes, expected_rank, path);  // throws the size message
  IdxArray out;
  out.dims = h.dims;
  bytes.erase(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(h.bytes));
  out.data = std::move(bytes);
  return out;
}

IdxArray read_idx(const std::string& path, int expected_rank) {
  // A gzipped file inflates only as far as its header says it holds (plus one byte, so
  // that a padded stream is reported as padded by parse_idx).
  auto bound = [&](const std::vector<uint8_t>& out) -> uint64_t {
    const size_t header = 4 + 4 * static_cast<size_t>(std::clamp(expected_rank, 1, 255));
    if (out.size() < header) return header + kMaxIdxPayloadBytes;
    const IdxHeader h = read_idx_header(out, expected_rank, path);
    return h.bytes + h.payload + 1;
  };
  return parse_idx_owned(detail::read_maybe_gzip(path, "idx", bound), expected_rank, path);
}

Dataset load_mnist_files(const std::string& images_path, const std::string& labels_path) {
  IdxArray images = read_idx(images_path, 3);
  IdxArray labels = read_idx(labels_path, 1);
  JANUS_CHECK(images.dims[0] == labels.dims[0],
              "mnist: '{}' holds {} images but '{}' holds {} labels", images_path, images.dims[0],
              labels_path, labels.dims[0]);
  std::vector<int32_t> lab(labels.data.size());
  for (size_t i = 0; i < lab.size(); ++i) {
    JANUS_CHECK(labels.data[i] <= 9, "mnist: '{}' label {} at index {} is out of range 0..9",
                labels_path, labels.data[i], i);
    lab[i] = labels.data[i];
  }
  std::vector<std::string> names;
  for (int c = 0; c < 10; ++c) names.push_back(std::to_string(c));
  return Dataset::from_uint8(std::move(images.data),
                             {images.dims[0], 1, images.dims[1], images.dims[2]}, std::move(lab),
                             std::move(names));
}

Dataset load_mnist(const std::string& dir, Split split) {
  detail::require_directory(dir, "mnist");
  const std::string prefix = split == Split::kTrain ? "train" : "t10k";
  const std::string images = pick_existing(dir, prefix + "-images-idx3-ubyte");
  const std::string labels = pick_existing(dir, prefix + "-labels-idx1-ubyte");
  return load_mnist_files(images, labels);
}

}  // namespace janus::datasets
