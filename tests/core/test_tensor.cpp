// Tensor basics: creation, shapes, sharing semantics, seeded randomness, formatting.
#include <catch2/catch.hpp>

#include <janus/core/ops.h>
#include <janus/core/random.h>

using namespace janus;

TEST_CASE("creation functions fill shapes and values", "[tensor]") {
  CHECK(zeros({2, 3}).shape() == Shape{2, 3});
  CHECK(ones({4}).to_vector() == std::vector<float>(4, 1.0f));
  CHECK(full({2}, 2.5f).to_vector() == std::vector<float>{2.5f, 2.5f});
  CHECK(scalar(3.0f).dim() == 0);
  CHECK(scalar(3.0f).item() == 3.0f);
  CHECK(arange(0, 5).to_vector() == std::vector<float>{0, 1, 2, 3, 4});
  CHECK(arange(1, 2, 0.25f).numel() == 4);
  Tensor t = from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
  CHECK(t.at({1, 2}) == 6.0f);
  CHECK(t.size(-1) == 3);
  CHECK_THROWS_WITH(from_vector({1, 2, 3}, {2, 2}), Catch::Contains("3 values") && Catch::Contains("[2, 2]"));
  CHECK_THROWS_WITH(t.at({2, 0}), Catch::Contains("out of range"));
  CHECK_THROWS_WITH(t.item(), Catch::Contains("one element"));
  CHECK_THROWS_AS(Tensor().shape(), Error);
}

TEST_CASE("a tensor is a shared handle and clone is deep", "[tensor]") {
  Tensor a = zeros({3});
  Tensor b = a;
  b.data()[0] = 7.0f;
  CHECK(a.data()[0] == 7.0f);
  Tensor c = a.clone();
  c.data()[1] = 5.0f;
  CHECK(a.data()[1] == 0.0f);
  Tensor r = a.reshape({3, 1});
  CHECK(r.data() == a.data());  // reshape is a view
  CHECK(a.flatten().shape() == Shape{3});
  CHECK(zeros({2, 3, 4, 5}).flatten(1).shape() == Shape{2, 60});
  CHECK(zeros({2, 3, 4}).reshape({-1, 4}).shape() == Shape{6, 4});
  CHECK_THROWS_WITH(zeros({2, 3}).reshape({4, -1}), Catch::Contains("invalid for input of shape [2, 3]"));
}

TEST_CASE("seeded generators repeat and have the right moments", "[tensor]") {
  Generator g1(42), g2(42), g3(43);
  Tensor a = randn({10000}, &g1), b = randn({10000}, &g2), c = randn({10000}, &g3);
  CHECK(a.to_vector() == b.to_vector());
  CHECK(a.to_vector() != c.to_vector());
  CHECK(mean(a).item() == Approx(0.0f).margin(0.05));
  CHECK(var(a).item() == Approx(1.0f).epsilon(0.05));
  Tensor u = uniform({10000}, -2.0f, 2.0f, &g1);
  float lo = 1e9f, hi = -1e9f;
  for (float v : u.to_vector()) lo = std::min(lo, v), hi = std::max(hi, v);
  CHECK(lo >= -2.0f);
  CHECK(hi < 2.0f);
  CHECK(mean(u).item() == Approx(0.0f).margin(0.1));
}

TEST_CASE("tensors format with fmt", "[tensor]") {
  Tensor t = from_vector({1, 2, 3, 4}, {2, 2});
  const std::string s = fmt::format("{}", t);
  CHECK(s == "tensor([[1., 2.],\n        [3., 4.]])");
  CHECK_THAT(to_string(zeros({5000})), Catch::Contains("..."));
  CHECK(shape_str({8, 3, 32, 32}) == "[8, 3, 32, 32]");
}

TEST_CASE("closeness helpers", "[tensor]") {
  Tensor a = from_vector({1.0f, 2.0f}, {2});
  CHECK(allclose(a, from_vector({1.0f, 2.000001f}, {2})));
  CHECK_FALSE(allclose(a, from_vector({1.0f, 2.1f}, {2})));
  CHECK_FALSE(allclose(a, from_vector({1.0f, 2.0f}, {1, 2})));
  CHECK(max_abs_diff(a, from_vector({1.5f, 2.0f}, {2})) == 0.5f);
}
