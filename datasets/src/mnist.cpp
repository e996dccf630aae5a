// MNIST IDX reader: header (magic, dims) checked against the bytes that follow, so a
// wrong magic, a truncated or padded file, or a label out of range is a named error.
#include <janus/datasets/mnist.h>

#include "file_io.h"

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
    if (fs::exists(p, ec)) return p;
  }
  JANUS_FAIL("mnist: neither '{0}' nor '{0}.gz' exists in '{1}' -- hint: run scripts/get_data.sh",
             stem, dir);
}

}  // namespace

IdxArray parse_idx(const std::vector<uint8_t>& bytes, int expected_rank, const std::string& path) {
  JANUS_CHECK(expected_rank >= 1 && expected_rank <= 255, "idx: bad expected rank {}",
              expected_rank);
  const uint32_t want_magic = 0x00000800u | static_cast<uint32_t>(expected_rank);
  JANUS_CHECK(bytes.size() >= 4, "idx: '{}' is too short for an IDX header ({} bytes)", path,
              bytes.size());
  const uint32_t magic = read_be32(bytes.data());
  JANUS_CHECK(magic == want_magic,
              "idx: '{}' has magic 0x{:08x}, expected 0x{:08x} (uint8, {}-D)", path, magic,
              want_magic, expected_rank);
  const size_t header = 4 + 4 * static_cast<size_t>(expected_rank);
  JANUS_CHECK(bytes.size() >= header, "idx: '{}' is truncated inside its header ({} of {} bytes)",
              path, bytes.size(), header);
  IdxArray out;
  // The product of the dims is compared against the payload as it grows, so a huge header
  // value can never overflow.
  const uint64_t payload = bytes.size() - header;
  uint64_t count = 1;
  for (int d = 0; d < expected_rank; ++d) {
    const uint32_t dim = read_be32(bytes.data() + 4 + 4 * d);
    out.dims.push_back(dim);
    if (dim == 0) {
      count = 0;
    } else if (count != 0) {
      JANUS_CHECK(count <= payload / dim + 1,
                  "idx: '{}' header dims {} need more bytes than the file has ({} after the header)",
                  path, fmt::join(out.dims, " x "), payload);
      count *= dim;
    }
  }
  JANUS_CHECK(count == payload,
              "idx: '{}' size does not match its header: dims {} need {} bytes after the header, "
              "file has {} ({})",
              path, fmt::join(out.dims, " x "), count, payload,
              count > payload ? "truncated" : "padded");
  out.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
  return out;
}

IdxArray read_idx(const std::string& path, int expected_rank) {
  return parse_idx(detail::read_maybe_gzip(path, "idx"), expected_rank, path);
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
