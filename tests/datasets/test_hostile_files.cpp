// Hostile data files for the CIFAR and IDX readers (issue 13): a FIFO or a directory given
// as a batch file, a symlink loop, a gzip bomb that inflates far past what its IDX header
// declares, IDX headers with a zero dimension or sizes past the limit, and random bytes as
// batches.meta.txt. Each must be a janus::Error naming the file: never a hang, an unbounded
// allocation or a silent accept.
#include <janus/core/error.h>
#include <janus/datasets/cifar.h>
#include <janus/datasets/mnist.h>

#include <catch2/catch.hpp>

#include "data_files.h"
#include "no_hang.h"

#include <filesystem>

#include <sys/stat.h>

using namespace janus::datasets;
using janus::testing::Bytes;
using janus::testing::TempDir;
using janus::testing::idx_bytes;
using janus::testing::write_bytes;

namespace {

// Deflate bit writer (RFC 1951: fields LSB first, Huffman codes MSB first).
struct BitWriter {
  Bytes out;
  int used = 8;
  void bit(int b) {
    if (used == 8) {
      out.push_back(0);
      used = 0;
    }
    out.back() |= static_cast<uint8_t>(b << used++);
  }
  void code(uint32_t c, int len) {
    for (int i = len - 1; i >= 0; --i) bit((c >> i) & 1);
  }
};

// A gzip member of one fixed-Huffman block: `prefix` as literals, then `zeros` zero bytes as
// one literal 0 and copies of 258 bytes at distance 1 (13 bits each: ~1000x compression).
// The trailer's CRC is left 0: a bounded reader stops long before it.
Bytes gzip_bomb(const Bytes& prefix, uint64_t zeros) {
  BitWriter w;
  w.bit(1);          // BFINAL
  w.bit(1);          // BTYPE = 01 (fixed Huffman), LSB first
  w.bit(0);
  auto literal = [&](uint8_t v) {
    if (v < 144) w.code(0x30u + v, 8);
    else w.code(0x190u + (v - 144u), 9);
  };
  for (uint8_t v : prefix) literal(v);
  literal(0);
  for (uint64_t done = 1; done + 258 <= zeros; done += 258) {
    w.code(0xC5, 8);  // length 258 (symbol 285)
    w.code(0, 5);     // distance 1
  }
  w.code(0, 7);  // end of block
  Bytes gz(10 + w.out.size() + 8, 0);
  const uint8_t header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
  std::copy(header, header + 10, gz.begin());
  std::copy(w.out.begin(), w.out.end(), gz.begin() + 10);  // the 8-byte trailer stays 0
  return gz;
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const janus::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("idx stops inflating a gzip bomb at the size its header declares", "[datasets][hostile]") {
  TempDir dir;
  // 10 labels declared, 64 MiB of zeros behind them in a 420 KB file (the audit's 1.1 MB file
  // inflated to 2.0 GiB before the size check).
  const Bytes bomb = gzip_bomb(idx_bytes({10}, nullptr), uint64_t{64} << 20);
  REQUIRE(bomb.size() < 500000);
  write_bytes(dir.file("labels.gz"), bomb);
  const std::string msg = error_of([&] { read_idx(dir.file("labels.gz"), 1); });
  CHECK_THAT(msg, Catch::Contains("labels.gz") && Catch::Contains("inflates to more than 19 bytes"));
  // Before the header is complete the bound is the payload limit.
  Bytes header_only = {0, 0, 8};
  write_bytes(dir.file("cut.gz"), gzip_bomb(header_only, 0));
  CHECK_THAT(error_of([&] { read_idx(dir.file("cut.gz"), 1); }), Catch::Contains("cut.gz"));
}

TEST_CASE("idx refuses zero dimensions and sizes past the limit", "[datasets][hostile]") {
  CHECK_THAT(error_of([] { parse_idx(idx_bytes({0, 28, 28}), 3, "zero.idx"); }),
             Catch::Contains("zero.idx") && Catch::Contains("dimension 0 is 0"));
  CHECK_THAT(error_of([] { parse_idx(idx_bytes({10, 0, 28}), 3, "zero.idx"); }),
             Catch::Contains("dimension 1 is 0"));
  Bytes huge;
  janus::testing::put_be32(huge, 0x803);
  for (uint32_t d : {60000u, 60000u, 60000u}) janus::testing::put_be32(huge, d);
  CHECK_THAT(error_of([&] { parse_idx(huge, 3, "huge.idx"); }),
             Catch::Contains("huge.idx") && Catch::Contains("byte limit"));
}

TEST_CASE("cifar10 refuses a FIFO a directory and a symlink loop as batch files", "[datasets][hostile]") {
  TempDir dir;
  const std::string fifo = dir.file("data_batch_1.bin");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::string msg;
  CHECK(janus::testing::returns_within(fifo, [&] { msg = error_of([&] { load_cifar10({fifo}); }); }));
  CHECK_THAT(msg, Catch::Contains("data_batch_1.bin") && Catch::Contains("FIFO"));
  std::filesystem::create_directory(dir.file("test_batch.bin"));
  CHECK_THAT(error_of([&] { load_cifar10({dir.file("test_batch.bin")}); }), Catch::Contains("is a directory"));
  std::filesystem::create_symlink("loop.bin", dir.file("loop.bin"));
  CHECK_THAT(error_of([&] { load_cifar10({dir.file("loop.bin")}); }),
             Catch::Contains("loop.bin") && Catch::Contains("symbolic links"));
  // load_cifar10_dir sees the loop as present and reports it the same way.
  std::filesystem::remove(dir.file("test_batch.bin"));
  std::filesystem::create_symlink("test_batch.bin", dir.file("test_batch.bin"));
  CHECK_THAT(error_of([&] { load_cifar10_dir(dir.str(), Split::kTest); }),
             Catch::Contains("test_batch.bin") && Catch::Contains("symbolic links"));
}

TEST_CASE("cifar10 refuses a batches.meta.txt that is not ten lines of names", "[datasets][hostile]") {
  TempDir dir;
  write_bytes(dir.file("b.bin"), janus::testing::cifar_records({1}));
  // Random bytes with 11 newlines: 12 "class names" were accepted.
  Bytes noise;
  uint32_t x = 12345;
  for (int i = 0; i < 600; ++i) {
    x = x * 1103515245u + 12345u;
    noise.push_back(i % 50 == 49 ? '\n' : static_cast<uint8_t>(x >> 24));
  }
  write_bytes(dir.file("noise.txt"), noise);
  CHECK_THAT(error_of([&] { load_cifar10({dir.file("b.bin")}, dir.file("noise.txt")); }),
             Catch::Contains("noise.txt") && Catch::Contains("not a text file"));
  const std::string twelve = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\n";
  write_bytes(dir.file("twelve.txt"), Bytes(twelve.begin(), twelve.end()));
  CHECK_THAT(error_of([&] { load_cifar10({dir.file("b.bin")}, dir.file("twelve.txt")); }),
             Catch::Contains("twelve.txt") && Catch::Contains("names 12 classes, expected 10"));
  write_bytes(dir.file("big.txt"), Bytes(100000, 'a'));
  CHECK_THAT(error_of([&] { load_cifar10({dir.file("b.bin")}, dir.file("big.txt")); }),
             Catch::Contains("big.txt") && Catch::Contains("byte limit"));
  // The official file (ten names, a blank line at the end, CRLF tolerated) still loads.
  const std::string ok = "airplane\r\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n";
  write_bytes(dir.file("ok.txt"), Bytes(ok.begin(), ok.end()));
  CHECK(load_cifar10({dir.file("b.bin")}, dir.file("ok.txt")).class_names() == cifar10_class_names());
}
