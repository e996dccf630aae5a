// The README's eager example, compiled and run exactly as printed there (between the
// BEGIN/END markers), so the quickstart stays true.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

// BEGIN README EXAMPLE
#include <janus/core/ops.h>
#include <janus/core/optim/optim.h>
#include <janus/core/random.h>

#include <fmt/core.h>

float train_tiny_net() {
  using namespace janus;
  Generator gen(0);
  // A batch of 64 points in 2-D, labelled by which side of a line they fall on.
  Tensor x = randn({64, 2}, &gen);
  Tensor y = zeros({64});
  for (int64_t i = 0; i < 64; ++i) y.data()[i] = x.at({i, 0}) + 0.5f * x.at({i, 1}) > 0 ? 1.0f : 0.0f;

  // Parameters of a 2 -> 16 -> 2 network, in PyTorch's (out, in) layout.
  Tensor w1 = (randn({16, 2}, &gen) * 0.5f).detach().requires_grad_();
  Tensor b1 = zeros({16}).requires_grad_();
  Tensor w2 = (randn({2, 16}, &gen) * 0.5f).detach().requires_grad_();
  Tensor b2 = zeros({2}).requires_grad_();
  optim::SGD opt({w1, b1, w2, b2}, optim::SGDOptions(0.5).momentum(0.9));

  float loss_value = 0.0f;
  for (int step = 0; step < 50; ++step) {
    Tensor logits = linear(relu(linear(x, w1, b1)), w2, b2);  // (64, 2)
    Tensor loss = cross_entropy(logits, y);
    opt.zero_grad();
    loss.backward();  // fills w1.grad() ... b2.grad()
    opt.step();
    loss_value = loss.item();
    if (step % 10 == 0) fmt::print("step {:2d}  loss {:.4f}\n", step, loss_value);
  }
  return loss_value;
}
// END README EXAMPLE

TEST_CASE("the README's eager example trains", "[readme]") {
  const float final_loss = train_tiny_net();
  CHECK(final_loss < 0.15f);
}

TEST_CASE("the README shows this example verbatim", "[readme]") {
  std::ifstream test_file(std::string(JANUS_GOLDEN_DIR) + "/../core/test_readme_example.cpp");
  std::ifstream readme(std::string(JANUS_GOLDEN_DIR) + "/../../README.md");
  REQUIRE(test_file.good());
  REQUIRE(readme.good());
  std::stringstream t, r;
  t << test_file.rdbuf();
  r << readme.rdbuf();
  const std::string begin = "// BEGIN README EXAMPLE\n", end = "// END README EXAMPLE";
  const std::string source = t.str();
  const size_t b = source.find(begin) + begin.size();
  std::string block = source.substr(b, source.find(end, b) - b);
  while (!block.empty() && (block.back() == '\n' || block.back() == ' ')) block.pop_back();
  CHECK(r.str().find(block) != std::string::npos);
}
