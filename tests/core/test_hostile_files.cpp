// Hostile files for the core readers (issue 13): safetensors headers that nest 65k levels
// deep, shapes whose element count overflows int64 or that have millions of dimensions,
// duplicate names and metadata, a directory or a FIFO given as a file, and the atomic
// writer's message on a full disk and its leftovers after a kill. Each must be a janus::Error
// naming the file, never a crash, a hang or another exception.
#include <janus/core/error.h>
#include <janus/core/file_io.h>
#include <janus/core/safetensors.h>
#include <janus/core/shape.h>

#include <catch2/catch.hpp>

#include "no_hang.h"
#include "temp_dir.h"

#include <csignal>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace janus;
using janus::testing::TempDir;

namespace {

std::string image(const std::string& header, const std::string& data = "") {
  std::string out(8, '\0');
  const uint64_t n = header.size();
  std::memcpy(&out[0], &n, 8);
  return out + header + data;
}

// The message of the janus::Error that parse_safetensors throws ("" if none).
std::string rejection(const std::string& bytes) {
  try {
    parse_safetensors(bytes, "hostile.safetensors");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

}  // namespace

TEST_CASE("safetensors refuses a header nested 65k levels deep without recursing", "[safetensors][hostile]") {
  // About 200 KB: the audit's file that overflowed the stack when the message dump()ed it.
  const std::string deep = std::string(65536, '[') + "1" + std::string(65536, ']');
  for (const char* field : {"shape", "data_offsets"}) {
    const std::string msg = rejection(image(std::string(R"({"a":{"dtype":"F32",")") + field + "\":" + deep +
                                            R"(,"data_offsets":[0,4]}})", std::string(4, '\0')));
    CHECK_THAT(msg, Catch::Contains("hostile.safetensors") && Catch::Contains(field) &&
                        Catch::Contains("(got an array)"));
    CHECK(msg.size() < 300);  // the user's JSON is never formatted into the message
  }
  // Where the format allows any value (a field janus ignores), the depth limit applies.
  const std::string msg = rejection(image(R"({"a":{"x":)" + deep + R"(,"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                                          std::string(4, '\0')));
  CHECK_THAT(msg, Catch::Contains("hostile.safetensors") && Catch::Contains("nests deeper than 8 levels"));
  CHECK_THAT(rejection(image(R"({"__metadata__":{"k":)" + deep + "}}")),
             Catch::Contains("metadata value for 'k' must be a string (got an array)"));
}

TEST_CASE("safetensors refuses shapes whose element count overflows int64", "[safetensors][hostile]") {
  // [2^62, 4, 0] holds 0 elements, but 2^62 * 4 overflows int64 before the 0 is reached.
  CHECK_THAT(rejection(image(R"({"a":{"dtype":"F32","shape":[4611686018427387904,4,0],"data_offsets":[0,0]}})")),
             Catch::Contains("tensor 'a'") && Catch::Contains("more elements than int64 can count"));
  CHECK_THAT(rejection(image(R"({"a":{"dtype":"F32","shape":[0,4294967296,4294967296],"data_offsets":[0,0]}})")),
             Catch::Contains("more elements than int64 can count"));
  // Zero-size tensors whose other sizes are sane stay valid.
  const SafetensorsFile ok = parse_safetensors(
      image(R"({"a":{"dtype":"F32","shape":[1000000,0,7],"data_offsets":[0,0]}})"), "ok");
  CHECK(ok.tensors.at(0).second.shape() == Shape{1000000, 0, 7});
  CHECK(ok.tensors.at(0).second.numel() == 0);
}

TEST_CASE("numel_of checks for int64 overflow", "[safetensors][hostile]") {
  CHECK_THROWS_WITH(numel_of({int64_t{1} << 62, 4, 0}), Catch::Contains("more elements than int64 can count"));
  CHECK_THROWS_WITH(numel_of({int64_t{1} << 40, int64_t{1} << 30}), Catch::Contains("[1099511627776, 1073741824]"));
  CHECK(numel_of({int64_t{1} << 31, int64_t{1} << 31}) == int64_t{1} << 62);
  CHECK(numel_of({5, 0, 3}) == 0);
  CHECK(numel_of({}) == 1);
}

TEST_CASE("safetensors refuses a shape with millions of dimensions before building it", "[safetensors][hostile]") {
  // The audit's 90 MB header of a rank-45M shape took 2.1 GiB; 65 dimensions are refused.
  std::string dims = "0";
  for (int i = 1; i < 65; ++i) dims += ",0";
  CHECK_THAT(rejection(image(R"({"a":{"dtype":"F32","shape":[)" + dims + R"(],"data_offsets":[0,0]}})")),
             Catch::Contains("tensor 'a'") && Catch::Contains("more than 64 dimensions"));
  std::string many = "0";
  for (int i = 1; i < 4000000; ++i) many += ",0";  // 8 MB of header
  CHECK_THAT(rejection(image(R"({"a":{"dtype":"F32","shape":[)" + many + R"(],"data_offsets":[0,0]}})")),
             Catch::Contains("more than 64 dimensions"));
  // 64 dimensions are fine.
  dims = "1";
  for (int i = 1; i < 64; ++i) dims += ",1";
  CHECK(parse_safetensors(image(R"({"a":{"dtype":"F32","shape":[)" + dims + R"(],"data_offsets":[0,4]}})",
                                std::string(4, '\0')), "ok").tensors.at(0).second.dim() == 64);
}

TEST_CASE("safetensors refuses duplicate tensor names fields and metadata", "[safetensors][hostile]") {
  const std::string a = R"("a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]})";
  CHECK_THAT(rejection(image("{" + a + "," + a + "}", std::string(4, '\0'))),
             Catch::Contains("hostile.safetensors") && Catch::Contains("tensor name 'a' appears twice"));
  CHECK_THAT(rejection(image(R"({"__metadata__":{"k":"1"},"__metadata__":{"k":"2"}})")),
             Catch::Contains("\"__metadata__\" appears twice"));
  CHECK_THAT(rejection(image(R"({"__metadata__":{"k":"1","k":"2"}})")),
             Catch::Contains("metadata key 'k' appears twice"));
  CHECK_THAT(rejection(image(R"({"a":{"dtype":"F32","dtype":"F64","shape":[1],"data_offsets":[0,4]}})",
                             std::string(4, '\0'))),
             Catch::Contains("tensor 'a': field \"dtype\" appears twice"));
  CHECK_THAT(rejection(image(R"({"__metadata__":"x"})")), Catch::Contains("\"__metadata__\" must be an object"));
  // Unknown fields are ignored, as the reference implementation does.
  CHECK(parse_safetensors(image(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":{"y":[1,2]}}})",
                                std::string(4, '\0')), "ok").tensors.size() == 1);
}

TEST_CASE("read_safetensors refuses a directory a FIFO and a symlink loop with janus Error", "[safetensors][hostile]") {
  TempDir dir;
  // A directory threw std::length_error naming no file.
  CHECK_THROWS_AS(read_safetensors(dir.str()), Error);
  CHECK_THROWS_WITH(read_safetensors(dir.str()), Catch::Contains(dir.str()) && Catch::Contains("is a directory"));
  std::error_code ec;
  std::filesystem::create_symlink("loop.safetensors", dir.file("loop.safetensors"), ec);
  REQUIRE(!ec);
  CHECK_THROWS_WITH(read_safetensors(dir.file("loop.safetensors")),
                    Catch::Contains("loop.safetensors") && Catch::Contains("symbolic links"));
  CHECK_THROWS_WITH(read_safetensors(dir.file("none.safetensors")),
                    Catch::Contains("none.safetensors") && Catch::Contains("does not exist"));
  // A FIFO blocked in open() forever.
  const std::string fifo = dir.file("pipe.safetensors");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::string msg;
  CHECK(janus::testing::returns_within(fifo, [&] {
    try {
      read_safetensors(fifo);
    } catch (const Error& e) {
      msg = e.what();
    }
  }));
  CHECK_THAT(msg, Catch::Contains("pipe.safetensors") && Catch::Contains("is a FIFO (named pipe)"));
}

TEST_CASE("write_file_atomic names the system's reason when the disk is full", "[safetensors][hostile]") {
  TempDir dir;
  // A file size limit makes write() fail as a full disk does (EFBIG instead of ENOSPC);
  // the message was "short write (42 of 42 bytes; disk full?)", the buffered count.
  struct rlimit old {};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
  struct rlimit small = old;
  small.rlim_cur = 10;
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
  std::string msg;
  try {
    write_file_atomic(dir.file("h.csv"), std::string(42, 'x'), "CsvHistory");
  } catch (const Error& e) {
    msg = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);
  CHECK_THAT(msg, Catch::Contains("h.csv") && Catch::Contains(std::strerror(EFBIG)) &&
                      Catch::Contains("byte 10 of 42"));
  CHECK(std::filesystem::is_empty(dir.str()));  // the temporary file is gone
}

TEST_CASE("remove_stale_temp_files removes only dead writers' files of the given names", "[safetensors][hostile]") {
  TempDir dir;
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  REQUIRE(child > 0);
  REQUIRE(::waitpid(child, nullptr, 0) == child);  // now a pid of no running process
  const std::string dead = std::to_string(child), live = std::to_string(::getppid());
  for (const std::string& name : {"training_epoch3.safetensors.tmp." + dead, "model.safetensors.tmp." + dead,
                                  "training_epoch4.safetensors.tmp." + live, "other.safetensors.tmp." + dead,
                                  std::string("training_epoch5.safetensors")})
    write_file(dir.file(name), "x");
  const auto removed =
      remove_stale_temp_files(dir.str(), std::regex(R"(training_epoch[0-9]+\.safetensors|model\.safetensors)"));
  CHECK(removed == std::vector<std::string>{"model.safetensors.tmp." + dead, "training_epoch3.safetensors.tmp." + dead});
  CHECK(std::filesystem::exists(dir.file("training_epoch4.safetensors.tmp." + live)));  // a live writer's
  CHECK(std::filesystem::exists(dir.file("other.safetensors.tmp." + dead)));            // not our name
  CHECK(std::filesystem::exists(dir.file("training_epoch5.safetensors")));
}

TEST_CASE("write_file_atomic never writes through a symlink planted at its temporary name", "[safetensors][hostile]") {
  TempDir dir;
  // The temporary name is predictable (<path>.tmp.<pid>); it was opened with O_TRUNC and no
  // O_NOFOLLOW, so a symlink there truncated and overwrote the file it pointed to.
  write_file(dir.file("victim.txt"), "precious");
  const std::string out = dir.file("out.bin");
  std::error_code ec;
  std::filesystem::create_symlink(dir.file("victim.txt"), out + ".tmp." + std::to_string(::getpid()), ec);
  REQUIRE(!ec);
  write_file_atomic(out, "new bytes", "test");
  std::ifstream victim(dir.file("victim.txt"));
  CHECK(std::string(std::istreambuf_iterator<char>(victim), {}) == "precious");
  CHECK(!std::filesystem::is_symlink(out));
  std::ifstream written(out);
  CHECK(std::string(std::istreambuf_iterator<char>(written), {}) == "new bytes");
}

TEST_CASE("read_safetensors refuses a file over its documented size limit before allocating", "[safetensors][hostile]") {
  TempDir dir;
  const std::string path = dir.file("huge.safetensors");
  write_file(path, "");
  // Sparse: takes no disk space. Reading it whole needed 9 GiB of memory.
  std::filesystem::resize_file(path, kMaxSafetensorsFileBytes + (uint64_t{1} << 30));
  CHECK_THROWS_WITH(read_safetensors(path), Catch::Contains("huge.safetensors") && Catch::Contains("byte limit"));
}

// AddressSanitizer reserves terabytes of shadow address space: an RLIMIT_AS cap breaks it.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define JANUS_TEST_ASAN 1
#endif
#endif
#if !defined(__SANITIZE_ADDRESS__) && !defined(JANUS_TEST_ASAN)
TEST_CASE("read_regular_file turns running out of memory into a janus Error naming the file", "[safetensors][hostile]") {
  TempDir dir;
  const std::string path = dir.file("big.bin");
  write_file(path, "");
  std::filesystem::resize_file(path, uint64_t{2} << 30);  // sparse, 2 GiB
  // In a child whose address space is capped at 1 GiB, the buffer cannot be had: std::bad_alloc
  // escaped before, naming no file. Exit code 0 means the right janus::Error was thrown.
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    struct rlimit cap {};
    cap.rlim_cur = cap.rlim_max = rlim_t{1} << 30;
    if (::setrlimit(RLIMIT_AS, &cap) != 0) ::_exit(2);
    try {
      read_regular_file(path, "test");
    } catch (const Error& e) {
      const std::string msg = e.what();
      ::_exit(msg.find("big.bin") != std::string::npos && msg.find("out of memory") != std::string::npos ? 0 : 3);
    } catch (...) {
      ::_exit(4);
    }
    ::_exit(5);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
#endif

TEST_CASE("safetensors refuses a header naming more than a million tensors as it reads them", "[safetensors][hostile]") {
  // 10.5 M empty entries in a 100 MB header took 2.75 GB before the first check.
  std::string header = "{";
  for (int i = 0; i <= (1 << 20); ++i) header += fmt::format("{}\"t{}\":{{}}", i ? "," : "", i);
  header += "}";
  CHECK_THAT(rejection(image(header)), Catch::Contains("more than 1048576 tensors"));
}
