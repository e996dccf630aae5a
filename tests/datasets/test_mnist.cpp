// MNIST IDX reader: raw and gzipped files, header checks (magic, dims, size), label
// checks, image/label count agreement, and the real files in shared/data when present.
#include <janus/datasets/mnist.h>

#include <catch2/catch.hpp>

#include "data_files.h"
#include "fixtures.h"

#include <filesystem>

using namespace janus::datasets;
using janus::testing::Bytes;
using janus::testing::TempDir;
using janus::testing::gzip_bytes;
using janus::testing::idx_bytes;
using janus::testing::write_bytes;

namespace {

Bytes labels_idx(const Bytes& labels) {
  return idx_bytes({static_cast<uint32_t>(labels.size())}, &labels);
}

}  // namespace

TEST_CASE("idx parses raw and gzipped files alike", "[datasets]") {
  TempDir dir;
  const Bytes raw = idx_bytes({3, 4, 5});
  write_bytes(dir.file("x.idx"), raw);
  write_bytes(dir.file("x.idx.gz"), gzip_bytes(raw));
  IdxArray a = read_idx(dir.file("x.idx"), 3);
  IdxArray b = read_idx(dir.file("x.idx.gz"), 3);
  CHECK(a.dims == std::vector<int64_t>{3, 4, 5});
  REQUIRE(a.data.size() == 60);
  CHECK(a.data[59] == 59);
  CHECK(a.data == b.data);
  CHECK(a.dims == b.dims);
}

TEST_CASE("mnist loads images and labels as N x 1 x H x W", "[datasets]") {
  TempDir dir;
  write_bytes(dir.file("train-images-idx3-ubyte.gz"), gzip_bytes(idx_bytes({4, 28, 28})));
  write_bytes(dir.file("train-labels-idx1-ubyte"), labels_idx({5, 0, 9, 1}));
  Dataset d = load_mnist(dir.str(), Split::kTrain);
  CHECK(d.image_shape() == janus::Shape{4, 1, 28, 28});
  CHECK(d.labels() == std::vector<int32_t>{5, 0, 9, 1});
  CHECK(d.num_classes() == 10);
  CHECK(d.pixels()[784] == 784 % 251);
  CHECK_THROWS_WITH(load_mnist(dir.str(), Split::kTest),
                    Catch::Contains("t10k-images-idx3-ubyte"));
}

TEST_CASE("idx rejects a wrong magic naming the file", "[datasets]") {
  TempDir dir;
  Bytes b = idx_bytes({2, 2, 2});
  b[3] = 0x01;  // labels magic in an images file
  write_bytes(dir.file("img.idx"), b);
  CHECK_THROWS_WITH(read_idx(dir.file("img.idx"), 3),
                    Catch::Contains("img.idx") && Catch::Contains("0x00000801") &&
                        Catch::Contains("0x00000803"));
  b[2] = 0x0d;  // float type
  b[3] = 0x03;
  write_bytes(dir.file("f.idx"), b);
  CHECK_THROWS_WITH(read_idx(dir.file("f.idx"), 3), Catch::Contains("0x00000d03"));
}

TEST_CASE("idx rejects a size that does not match the header", "[datasets]") {
  TempDir dir;
  Bytes b = idx_bytes({2, 3, 3});
  b.pop_back();
  write_bytes(dir.file("short.idx"), b);
  CHECK_THROWS_WITH(read_idx(dir.file("short.idx"), 3),
                    Catch::Contains("short.idx") && Catch::Contains("truncated") &&
                        Catch::Contains("need 18 bytes"));
  b.push_back(1);
  b.push_back(2);
  write_bytes(dir.file("long.idx"), b);
  CHECK_THROWS_WITH(read_idx(dir.file("long.idx"), 3),
                    Catch::Contains("long.idx") && Catch::Contains("padded"));
  // A header claiming 2^32-1 x 2^32-1 x 2^32-1 must not overflow.
  Bytes huge = {0, 0, 8, 3, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 1, 2};
  CHECK_THROWS_AS(janus::datasets::parse_idx(huge, 3, "huge"), janus::Error);
  Bytes header_cut = {0, 0, 8, 3, 0, 0};
  CHECK_THROWS_WITH(parse_idx(header_cut, 3, "cut"), Catch::Contains("header"));
}

TEST_CASE("mnist rejects labels out of range and count mismatches", "[datasets]") {
  TempDir dir;
  write_bytes(dir.file("i"), idx_bytes({3, 2, 2}));
  write_bytes(dir.file("l_bad"), labels_idx({1, 12, 3}));
  write_bytes(dir.file("l_two"), labels_idx({1, 2}));
  CHECK_THROWS_WITH(load_mnist_files(dir.file("i"), dir.file("l_bad")),
                    Catch::Contains("l_bad") && Catch::Contains("label 12"));
  CHECK_THROWS_WITH(load_mnist_files(dir.file("i"), dir.file("l_two")),
                    Catch::Contains("3 images") && Catch::Contains("2 labels"));
}

TEST_CASE("mnist rejects a corrupt or truncated gzip stream", "[datasets]") {
  TempDir dir;
  Bytes gz = gzip_bytes(idx_bytes({2, 3, 3}));
  Bytes cut(gz.begin(), gz.end() - 12);
  write_bytes(dir.file("cut.gz"), cut);
  CHECK_THROWS_WITH(read_idx(dir.file("cut.gz"), 3),
                    Catch::Contains("cut.gz") && Catch::Contains("gzip"));
  Bytes bad = gz;
  bad[bad.size() - 6] ^= 0xff;  // CRC-32 damaged
  write_bytes(dir.file("crc.gz"), bad);
  CHECK_THROWS_WITH(read_idx(dir.file("crc.gz"), 3), Catch::Contains("crc.gz"));
  CHECK_THROWS_WITH(load_mnist(dir.file("nodir"), Split::kTrain),
                    Catch::Contains("nodir") && Catch::Contains("does not exist"));
}

TEST_CASE("mnist real files from shared data", "[datasets]") {
  const std::string dir = janus::testing::shared_data_dir() + "/mnist";
  if (!std::filesystem::exists(dir + "/train-images-idx3-ubyte.gz")) {
    WARN("shared MNIST data absent at " << dir << ": skipped");
    return;
  }
  Dataset train = load_mnist(dir, Split::kTrain);
  Dataset test = load_mnist(dir, Split::kTest);
  CHECK(train.image_shape() == janus::Shape{60000, 1, 28, 28});
  CHECK(test.image_shape() == janus::Shape{10000, 1, 28, 28});
  CHECK(train.class_counts() ==
        std::vector<int64_t>{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949});
  CHECK(test.class_counts() ==
        std::vector<int64_t>{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009});
  double sum = 0;
  for (int64_t i = 0; i < 60000 * 784; ++i) sum += train.pixels()[i];
  CHECK(sum / (60000.0 * 784) == Approx(33.318).margin(1e-3));
}
