// clip(x, min, max): values limited to the interval, gradient passed inside it and 0
// outside (the Keras 3 probability clipping uses it), checked by the generic gradcheck.
#include <catch2/catch.hpp>

#include <janus/core/ops.h>
#include <janus/core/random.h>

#include "gradcheck.h"

#include <cmath>

using namespace janus;

TEST_CASE("clip limits values and passes gradients only inside the interval", "[ops][clip]") {
  Tensor x = from_vector({-2.0f, 0.25f, 0.5f, 3.0f, std::nanf("")}, {5});
  x.requires_grad_(true);
  Tensor y = clip(x, 0.0f, 1.0f);
  const std::vector<float> v = y.to_vector();
  CHECK(v[0] == 0.0f);
  CHECK(v[1] == 0.25f);
  CHECK(v[2] == 0.5f);
  CHECK(v[3] == 1.0f);
  CHECK(std::isnan(v[4]));
  sum(y * from_vector({1, 2, 3, 4, 0}, {5})).backward();
  const std::vector<float> g = x.grad().to_vector();
  CHECK(g == std::vector<float>{0, 2, 3, 0, 0});
  CHECK_THROWS_WITH(clip(x, 1.0f, 0.0f), Catch::Contains("clip: min must be <= max"));
}

TEST_CASE("clip's gradient agrees with central differences away from the bounds", "[ops][clip]") {
  Generator gen(2);
  // Values at least 0.1 from the bounds +-0.8, farther than the checker's step 1e-2.
  Tensor x = randn({4, 5}, &gen);
  for (int64_t i = 0; i < x.numel(); ++i) {
    float& v = x.data()[i];
    if (std::abs(std::abs(v) - 0.8f) < 0.1f) v += 0.25f;
  }
  const auto r = janus::testing::gradcheck([](const std::vector<Tensor>& in) { return clip(in[0], -0.8f, 0.8f); }, {x});
  INFO(r.message);
  CHECK(r.ok);
}
