// fold_batch_norm: conv2d followed by an inference batch norm equals one conv2d with the
// folded weight and bias; the largest difference is reported and bounded.
#include <catch2/catch.hpp>
#include <close.h>

#include <janus/core/fold_bn.h>
#include <janus/core/ops/conv.h>
#include <janus/core/ops/linalg.h>
#include <janus/core/ops/norm.h>
#include <janus/core/random.h>

using namespace janus;
using namespace janus::testing;  // close.h

TEST_CASE("folding an eval batch norm into the preceding conv keeps the output", "[norm]") {
  Generator gen(21);
  const Tensor x = randn({2, 3, 7, 7}, &gen);
  const Tensor w = normal({5, 3, 3, 3}, 0.0f, 0.3f, &gen);
  for (bool with_bias : {true, false}) {
    DYNAMIC_SECTION("conv bias " << with_bias) {
      const Tensor cb = with_bias ? randn({5}, &gen) : Tensor();
      const Tensor gamma = uniform({5}, 0.5f, 2.0f, &gen), beta = randn({5}, &gen);
      const Tensor rm = randn({5}, &gen), rv = uniform({5}, 0.1f, 3.0f, &gen);
      const Conv2dOptions co = Conv2dOptions().padding(1).stride(2);
      const Tensor reference = batch_norm(conv2d(x, w, cb, co), rm, rv, gamma, beta, /*training=*/false, 0.1, 1e-5);
      const FoldedConv f = fold_batch_norm(w, cb, gamma, beta, rm, rv, 1e-5);
      CHECK(f.weight.shape() == w.shape());
      const Tensor folded = conv2d(x, f.weight, f.bias, co);
      const float diff = max_abs_diff(folded, reference);
      WARN("fold_batch_norm: max |conv+BN(eval) - folded conv| = " << diff);
      // The folded weight rounds differently in each of the conv's 3*3*3 products, and the BN's
      // subtract / scale / shift are three more roundings.
      CHECK_THAT(folded, IsClose(reference, accumulation(27 + 3)));
      // The inputs are untouched.
      CHECK(max_abs_diff(f.weight, w) > 0.0f);
    }
  }
}

TEST_CASE("folding works for linear layers and without affine and rejects bad shapes", "[norm]") {
  Generator gen(22);
  const Tensor x = randn({4, 6}, &gen), w = randn({3, 6}, &gen), b = randn({3}, &gen);
  const Tensor rm = randn({3}, &gen), rv = uniform({3}, 0.5f, 2.0f, &gen);
  const Tensor reference = batch_norm(linear(x, w, b), rm, rv, Tensor(), Tensor(), false);
  const FoldedConv f = fold_batch_norm(w, b, Tensor(), Tensor(), rm, rv, 1e-5);
  CHECK_THAT(linear(x, f.weight, f.bias), IsClose(reference, accumulation(6 + 3)));  // 6 inputs, BN's 3 steps
  CHECK_THROWS_WITH(fold_batch_norm(w, b, Tensor(), Tensor(), randn({4}, &gen), rv, 1e-5),
                    Catch::Contains("running_mean has shape [4]") && Catch::Contains("3 output channels"));
}
