// CIFAR-10 binary loader: records parsed into (N, 3, 32, 32), class names, damaged files
// rejected with the file named, and the real batches in shared/data when present.
#include <janus/datasets/cifar.h>

#include <catch2/catch.hpp>

#include "data_files.h"
#include "fixtures.h"

#include <filesystem>

using namespace janus::datasets;
using janus::testing::TempDir;
using janus::testing::cifar_records;
using janus::testing::write_bytes;

TEST_CASE("cifar10 parses records into planes and labels", "[datasets]") {
  TempDir dir;
  write_bytes(dir.file("a.bin"), cifar_records({3, 0, 9}));
  write_bytes(dir.file("b.bin"), cifar_records({7}));
  Dataset d = load_cifar10({dir.file("a.bin"), dir.file("b.bin")});
  REQUIRE(d.image_shape() == janus::Shape{4, 3, 32, 32});
  CHECK(d.labels() == std::vector<int32_t>{3, 0, 9, 7});
  CHECK(d.class_names() == cifar10_class_names());
  // Record 1, pixel k of the 3072 is (1 * 7 + k) % 256: G plane starts at k = 1024.
  CHECK(d.pixels()[3072 + 0] == 7);
  CHECK(d.pixels()[3072 + 1024] == (7 + 1024) % 256);
  CHECK(d.pixels()[3 * 3072] == 0);  // first pixel of b.bin record 0
}

TEST_CASE("cifar10 reads class names from batches.meta.txt", "[datasets]") {
  TempDir dir;
  write_bytes(dir.file("data_batch_1.bin"), cifar_records({1, 2}));
  const std::string meta = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n";
  write_bytes(dir.file("m.txt"), janus::testing::Bytes(meta.begin(), meta.end()));
  Dataset d = load_cifar10({dir.file("data_batch_1.bin")}, dir.file("m.txt"));
  REQUIRE(d.num_classes() == 10);
  CHECK(d.class_names()[9] == "j");
  const std::string short_meta = "a\nb\n";
  write_bytes(dir.file("short.txt"), janus::testing::Bytes(short_meta.begin(), short_meta.end()));
  CHECK_THROWS_WITH(load_cifar10({dir.file("data_batch_1.bin")}, dir.file("short.txt")),
                    Catch::Contains("short.txt") && Catch::Contains("2 classes"));
}

TEST_CASE("cifar10 rejects truncated and padded files naming the file and size", "[datasets]") {
  TempDir dir;
  auto bytes = cifar_records({1, 2});
  bytes.pop_back();
  write_bytes(dir.file("cut.bin"), bytes);
  CHECK_THROWS_WITH(load_cifar10({dir.file("cut.bin")}),
                    Catch::Contains("cut.bin") && Catch::Contains("6145 bytes") &&
                        Catch::Contains("truncated or padded"));
  bytes.push_back(0);
  bytes.push_back(0);
  write_bytes(dir.file("pad.bin"), bytes);
  CHECK_THROWS_WITH(load_cifar10({dir.file("pad.bin")}),
                    Catch::Contains("pad.bin") && Catch::Contains("6147 bytes"));
  write_bytes(dir.file("empty.bin"), {});
  CHECK_THROWS_AS(load_cifar10({dir.file("empty.bin")}), janus::Error);
}

TEST_CASE("cifar10 rejects a label out of range", "[datasets]") {
  TempDir dir;
  write_bytes(dir.file("bad.bin"), cifar_records({1, 10, 2}));
  CHECK_THROWS_WITH(load_cifar10({dir.file("bad.bin")}),
                    Catch::Contains("bad.bin") && Catch::Contains("record 1") &&
                        Catch::Contains("label 10"));
}

TEST_CASE("cifar10 reports missing files and directories", "[datasets]") {
  TempDir dir;
  CHECK_THROWS_WITH(load_cifar10({dir.file("nope.bin")}),
                    Catch::Contains("nope.bin") && Catch::Contains("does not exist"));
  CHECK_THROWS_WITH(load_cifar10_dir(dir.file("missing_dir"), Split::kTrain),
                    Catch::Contains("missing_dir") && Catch::Contains("does not exist"));
  CHECK_THROWS_WITH(load_cifar10_dir(dir.str(), Split::kTrain),
                    Catch::Contains("data_batch_1.bin"));
}

TEST_CASE("cifar10 real batches from shared data", "[datasets]") {
  const std::string dir = janus::testing::shared_data_dir() + "/cifar-10-batches-bin";
  if (!std::filesystem::exists(dir + "/data_batch_1.bin")) {
    WARN("shared CIFAR-10 data absent at " << dir << ": skipped");
    return;
  }
  Dataset b1 = load_cifar10({dir + "/data_batch_1.bin"}, dir + "/batches.meta.txt");
  REQUIRE(b1.image_shape() == janus::Shape{10000, 3, 32, 32});
  CHECK(b1.class_names() == cifar10_class_names());
  CHECK(b1.class_counts() ==
        std::vector<int64_t>{1005, 974, 1032, 1016, 999, 937, 1030, 1001, 1025, 981});
  CHECK(std::vector<int32_t>(b1.labels().begin(), b1.labels().begin() + 10) ==
        std::vector<int32_t>{6, 9, 9, 4, 1, 1, 2, 7, 8, 3});
  Dataset test = load_cifar10_dir(dir, Split::kTest);
  REQUIRE(test.image_shape() == janus::Shape{1000, 3, 32, 32});
  CHECK(test.label(0) == 3);
  CHECK(test.label(1) == 8);
  CHECK(test.pixels()[0] == 158);
  CHECK(test.pixels()[1] == 159);
  CHECK(test.class_counts() ==
        std::vector<int64_t>{103, 89, 100, 103, 90, 86, 112, 102, 106, 109});
}

TEST_CASE("cifar10 full training set from shared data", "[datasets]") {
  const std::string dir = janus::testing::shared_data_dir() + "/cifar-10-batches-bin";
  if (!std::filesystem::exists(dir + "/data_batch_5.bin")) {
    WARN("shared CIFAR-10 data absent at " << dir << ": skipped");
    return;
  }
  Dataset train = load_cifar10_dir(dir, Split::kTrain);
  REQUIRE(train.image_shape() == janus::Shape{50000, 3, 32, 32});
  for (int64_t c : train.class_counts()) CHECK(c == 5000);
}
