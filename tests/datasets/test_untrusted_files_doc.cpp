// docs/datasets.md's "Untrusted files" example, compiled and run exactly as printed there
// (between the BEGIN/END markers), so the documented limits stay true.
#include <janus/core/error.h>
#include <janus/core/file_io.h>
#include <janus/datasets/image_folder.h>

#include <catch2/catch.hpp>

#include "data_files.h"

#include <fstream>
#include <sstream>

// BEGIN DOCS EXAMPLE
// A file that claims 8192 x 8192 pixels is refused from its header, before any allocation.
janus::datasets::DecodedImage decode_checked(const std::vector<uint8_t>& bytes, const std::string& path) {
  static_assert(janus::datasets::kMaxImagePixels == 4096 * 4096, "the documented limit");
  return janus::datasets::decode_image(bytes, path, 3);  // janus::Error for anything hostile
}
std::string read_batch(const std::string& path) {
  return janus::read_regular_file(path, "my_loader", uint64_t{1} << 30);  // a FIFO is an error
}
// END DOCS EXAMPLE

TEST_CASE("the untrusted-files example of docs/datasets.md works", "[datasets][docs]") {
  janus::testing::TempDir dir;
  const janus::testing::Bytes png = janus::testing::png_bytes(2, 2, 1, janus::testing::pattern_pixels(2, 2, 1, 0));
  janus::testing::write_bytes(dir.file("a.png"), png);
  CHECK(read_batch(dir.file("a.png")).size() == png.size());
  CHECK(decode_checked(png, "a.png").channels == 3);
  CHECK_THROWS_AS(read_batch(dir.str()), janus::Error);
}

TEST_CASE("docs/datasets.md shows the untrusted-files example verbatim", "[datasets][docs]") {
  std::ifstream test_file(std::string(JANUS_GOLDEN_DIR) + "/../datasets/test_untrusted_files_doc.cpp");
  std::ifstream doc(std::string(JANUS_GOLDEN_DIR) + "/../../docs/datasets.md");
  REQUIRE(test_file.good());
  REQUIRE(doc.good());
  std::stringstream t, d;
  t << test_file.rdbuf();
  d << doc.rdbuf();
  const std::string begin = "// BEGIN DOCS EXAMPLE\n", end = "// END DOCS EXAMPLE";
  const std::string source = t.str();
  const size_t b = source.find(begin) + begin.size();
  std::string block = source.substr(b, source.find(end, b) - b);
  while (!block.empty() && (block.back() == '\n' || block.back() == ' ')) block.pop_back();
  CHECK(d.str().find(block) != std::string::npos);
}
