// docs/pytorch_tour.md's snippets, compiled and run here exactly as printed there: each block
// between "// BEGIN TOUR <name>" and "// END TOUR" must appear verbatim in the page, so the
// tour stays true.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

// BEGIN TOUR conv-pairs
#include <janus/torch/torch.h>

janus::Shape non_square_shapes() {
  using namespace janus::torch;
  // Kernel sizes, strides and paddings take one int or an (h, w) pair, as in torch.
  nn::Conv2d conv(nn::Conv2dOptions(3, 8, {1, 7}).padding({0, 3}));
  nn::MaxPool2d pool(nn::Pool2dOptions({3, 2}).stride({2, 1}).ceil_mode(true));
  janus::Tensor x = janus::ones({1, 3, 10, 10});
  return pool(conv(x)).shape();  // (1, 8, 5, 9)
}
// END TOUR

namespace {

std::string read(const std::string& path) {
  std::ifstream f(path);
  REQUIRE(f.good());
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("tour: non-square convolution and pooling shapes", "[tour]") {
  CHECK(non_square_shapes() == janus::Shape{1, 8, 5, 9});
}

TEST_CASE("docs/pytorch_tour.md shows every tour snippet verbatim", "[tour]") {
  const std::string source = read(std::string(JANUS_GOLDEN_DIR) + "/../frontends/test_pytorch_tour.cpp");
  const std::string page = read(std::string(JANUS_GOLDEN_DIR) + "/../../docs/pytorch_tour.md");
  const std::string begin = "// BEGIN TOUR ", end = "// END TOUR";
  int blocks = 0;
  for (size_t at = source.find(begin); at != std::string::npos; at = source.find(begin, at + 1)) {
    // The quoted marker names in this test's own text are not blocks.
    if (source.compare(at + begin.size(), 1, "<") == 0 || source[at - 1] == '"') continue;
    const size_t b = source.find('\n', at) + 1;
    const std::string block = source.substr(b, source.find(end, b) - b);
    INFO("snippet " << source.substr(at + begin.size(), b - 1 - at - begin.size()));
    CHECK(page.find("```cpp\n" + block + "```") != std::string::npos);
    ++blocks;
  }
  CHECK(blocks >= 1);
}
