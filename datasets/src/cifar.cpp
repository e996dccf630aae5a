// CIFAR-10 binary reader: size checked against the 3073-byte record, labels checked to be
// 0..9, planes copied as (N, 3, 32, 32) uint8.
#include <janus/datasets/cifar.h>

#include "file_io.h"

#include <cstring>
#include <filesystem>
#include <fstream>

namespace janus::datasets {

namespace fs = std::filesystem;

Dataset parse_cifar10(const std::vector<uint8_t>& bytes, const std::string& path,
                      const std::vector<std::string>& class_names) {
  const int64_t size = static_cast<int64_t>(bytes.size());
  JANUS_CHECK(size % kCifarRecordBytes == 0,
              "cifar10: '{}' is truncated or padded: {} bytes is not a multiple of the "
              "{}-byte record ({} whole records + {} bytes)",
              path, size, kCifarRecordBytes, size / kCifarRecordBytes, size % kCifarRecordBytes);
  JANUS_CHECK(size > 0, "cifar10: '{}' is empty (0 bytes)", path);
  const int64_t n = size / kCifarRecordBytes, m = kCifarRecordBytes - 1;
  std::vector<uint8_t> pixels(static_cast<size_t>(n * m));  // (N, 3, 32, 32)
  std::vector<int32_t> labels(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* rec = bytes.data() + i * kCifarRecordBytes;
    JANUS_CHECK(rec[0] < 10, "cifar10: '{}' record {} (byte offset {}) has label {}, expected 0..9",
                path, i, i * kCifarRecordBytes, rec[0]);
    labels[static_cast<size_t>(i)] = rec[0];
    std::memcpy(pixels.data() + i * m, rec + 1, static_cast<size_t>(m));
  }
  return Dataset::from_uint8(std::move(pixels), {n, 3, 32, 32}, std::move(labels), class_names);
}

std::vector<std::string> read_cifar10_meta(const std::string& path) {
  // batches.meta.txt is 10 short lines of text; anything else is not that file.
  constexpr uint64_t kMaxMetaBytes = 64 * 1024;
  constexpr size_t kMaxNameBytes = 256;
  std::vector<uint8_t> bytes = detail::read_file(path, "cifar10", kMaxMetaBytes);
  std::vector<std::string> names;
  std::string line;
  size_t line_no = 1;
  auto finish_line = [&]() {
    if (!line.empty()) {
      JANUS_CHECK(line.size() <= kMaxNameBytes, "cifar10: '{}' line {} is {} bytes long, expected a class name "
                  "(at most {} bytes)", path, line_no, line.size(), kMaxNameBytes);
      names.push_back(line);
    }
    line.clear();
    ++line_no;
  };
  for (size_t i = 0; i < bytes.size(); ++i) {
    const uint8_t b = bytes[i];
    if (b == '\n') {
      finish_line();
    } else if (b != '\r') {
      JANUS_CHECK(b >= 0x20 && b != 0x7f, "cifar10: '{}' is not a text file of class names: byte {} (line {}) is "
                  "the control character 0x{:02x}", path, i, line_no, b);
      line.push_back(static_cast<char>(b));
    }
  }
  finish_line();
  JANUS_CHECK(names.size() == 10, "cifar10: '{}' names {} classes, expected 10 (one per line)", path, names.size());
  return names;
}

Dataset load_cifar10(const std::vector<std::string>& files, const std::string& meta_path) {
  JANUS_CHECK(!files.empty(), "cifar10: expected at least one batch file (got none)");
  const std::vector<std::string> names =
      meta_path.empty() ? cifar10_class_names() : read_cifar10_meta(meta_path);
  std::vector<Dataset> parts;
  for (const std::string& f : files) {
    parts.push_back(parse_cifar10(detail::read_file(f, "cifar10"), f, names));
  }
  return parts.size() == 1 ? parts.front() : concat(parts);
}

Dataset load_cifar10_dir(const std::string& dir, Split split) {
  detail::require_directory(dir, "cifar10");
  std::error_code ec;
  std::vector<std::string> files;
  if (split == Split::kTrain) {
    for (int b = 1; b <= 5; ++b) {
      files.push_back((fs::path(dir) / ("data_batch_" + std::to_string(b) + ".bin")).string());
    }
  } else {
    const std::string full = (fs::path(dir) / "test_batch.bin").string();
    const std::string part = (fs::path(dir) / "test_batch_first1000.bin").string();
    files.push_back(fs::exists(full, ec) || !fs::exists(part, ec) ? full : part);
  }
  for (const std::string& f : files) {
    JANUS_CHECK(fs::exists(fs::symlink_status(f, ec)), "cifar10: batch file '{}' does not exist -- hint: run "
                "scripts/get_data.sh", f);
  }
  const std::string meta = (fs::path(dir) / "batches.meta.txt").string();
  return load_cifar10(files, fs::exists(fs::symlink_status(meta, ec)) ? meta : "");
}

}  // namespace janus::datasets
