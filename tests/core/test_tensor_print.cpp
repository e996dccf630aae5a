// Tensor printing against PyTorch 1.13's repr (tests/golden/gen_tensor_print.py): formats
// (integer-valued, fixed, scientific), alignment, nan/inf, wrapping, "..." summaries, empty
// tensors, the requires_grad / grad_fn suffix, and operator<< on std::ostream.
#include <catch2/catch.hpp>

#include <janus/core/ops.h>

#include <fixtures.h>

#include <sstream>
#include <string>

using namespace janus;
using janus::testing::Fixture;

TEST_CASE("tensors print as torch 1.13 prints them", "[tensor][print]") {
  const Fixture f = Fixture::load("tensor_print.json");
  const std::vector<std::string> keys = f.text_keys();
  REQUIRE(keys.size() >= 20);
  for (const std::string& key : keys) {
    Tensor t = f.tensor(key);
    if (key.size() > 3 && key.compare(key.size() - 3, 3, "_rg") == 0) t.requires_grad_();
    INFO("case " << key);
    CHECK(to_string(t) == f.text(key));
  }
}

TEST_CASE("operator<< writes the same text to a std::ostream", "[tensor][print]") {
  std::ostringstream os;
  const Tensor x = from_vector({1.5f, -2.25f, 3, 400}, {2, 2});
  os << x << "|" << x[0];
  CHECK(os.str() == "tensor([[  1.5000,  -2.2500],\n        [  3.0000, 400.0000]])|tensor([ 1.5000, -2.2500])");
}

TEST_CASE("a recorded result names its backward", "[tensor][print]") {
  const Tensor w = from_vector({1, 2}, {2}).requires_grad_();
  // torch prints grad_fn=<MulBackward0>; janus names its op kind ("mul_scalar") that way.
  CHECK(to_string(w * 2.0f) == "tensor([2., 4.], grad_fn=<MulScalarBackward>)");
  CHECK(to_string(Tensor()) == "tensor(undefined)");
}
