// matmul and linear: hand-computed values, goldens from PyTorch (tests/golden/gen_linear_loss.py,
// torch 1.13, within the reduction depth times float32 eps: docs/testing.md), gradient checks of every form, and shape errors.
#include <catch2/catch.hpp>
#include <close.h>

#include <janus/core/autograd.h>
#include <janus/core/ops.h>
#include <janus/core/random.h>

#include "fixtures.h"
#include "gradcheck.h"

using namespace janus;
using namespace janus::testing;  // close.h
using janus::testing::Fixture;
using janus::testing::gradcheck;

namespace {

// sum(y * r): the projected loss the golden script differentiates.
Tensor projected(const Tensor& y, const Tensor& r) { return sum(y * r); }

}  // namespace

TEST_CASE("matmul 2-D matches a hand computation", "[linalg]") {
  Tensor a = from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = from_vector({7, 8, 9, 10, 11, 12}, {3, 2});
  Tensor c = matmul(a, b);
  CHECK(c.shape() == Shape{2, 2});
  CHECK(c.to_vector() == std::vector<float>{58, 64, 139, 154});
}

TEST_CASE("batched matmul forward and backward match PyTorch", "[linalg]") {
  Fixture f = Fixture::load("linear_loss.json");
  Tensor a = f.tensor("bmm.a").requires_grad_();
  Tensor b = f.tensor("bmm.b").requires_grad_();
  Tensor y = matmul(a, b);
  CHECK_THAT(y, IsClose(f.tensor("bmm.y"), accumulation(4)));
  projected(y, f.tensor("bmm.r")).backward();
  CHECK_THAT(a.grad(), IsClose(f.tensor("bmm.ga"), accumulation(5)));
  CHECK_THAT(b.grad(), IsClose(f.tensor("bmm.gb"), accumulation(3)));
}

TEST_CASE("matmul gradients pass gradcheck in every form", "[linalg]") {
  Generator gen(3);
  auto mm = [](const std::vector<Tensor>& in) { return matmul(in[0], in[1]); };
  auto r2 = gradcheck(mm, {randn({3, 4}, &gen), randn({4, 5}, &gen)});
  CHECK(r2.ok);
  INFO(r2.message);
  auto r3 = gradcheck(mm, {randn({2, 3, 4}, &gen), randn({2, 4, 2}, &gen)});
  CHECK(r3.ok);
  INFO(r3.message);
  // (B, M, K) x (K, N): the shared right operand's gradient sums over the batch.
  auto rs = gradcheck(mm, {randn({2, 3, 4}, &gen), randn({4, 2}, &gen)});
  CHECK(rs.ok);
  INFO(rs.message);
  Tensor a = randn({2, 3, 4}, &gen), b = randn({4, 2}, &gen);
  Tensor shared = matmul(a, b);
  Tensor per_item = matmul(a.reshape({6, 4}), b).reshape({2, 3, 2});
  CHECK_THAT(shared, IsIdentical(per_item));
}

TEST_CASE("matmul rejects mismatched shapes", "[linalg]") {
  CHECK_THROWS_WITH(matmul(ones({2, 3}), ones({4, 2})),
                    Catch::Contains("matmul: a has 3 columns but b has 4 rows (a [2, 3], b [4, 2])"));
  CHECK_THROWS_WITH(matmul(ones({2, 2, 3}), ones({3, 3, 2})), Catch::Contains("batch sizes differ"));
  CHECK_THROWS_WITH(matmul(ones({3}), ones({3, 2})), Catch::Contains("expected 2-D or 3-D operands"));
  CHECK_THROWS_WITH(matmul(ones({2, 3}), ones({2, 3, 2})), Catch::Contains("2-D left operand"));
}

TEST_CASE("linear forward and backward match PyTorch", "[linalg]") {
  Fixture f = Fixture::load("linear_loss.json");
  Tensor x = f.tensor("linear.x").requires_grad_();
  Tensor w = f.tensor("linear.weight").requires_grad_();
  Tensor b = f.tensor("linear.bias").requires_grad_();
  Tensor y = linear(x, w, b);
  CHECK(y.shape() == Shape{6, 3});
  CHECK_THAT(y, IsClose(f.tensor("linear.y"), accumulation(5)));
  projected(y, f.tensor("linear.r")).backward();
  CHECK_THAT(x.grad(), IsClose(f.tensor("linear.gx"), accumulation(3)));
  CHECK_THAT(w.grad(), IsClose(f.tensor("linear.gweight"), accumulation(6)));
  CHECK_THAT(b.grad(), IsClose(f.tensor("linear.gbias"), accumulation(6)));
}

TEST_CASE("linear equals matmul with the transposed weight plus bias", "[linalg]") {
  Generator gen(5);
  Tensor x = randn({4, 3}, &gen), w = randn({2, 3}, &gen), b = randn({2}, &gen);
  Tensor expected = matmul(x, transpose(w, 0, 1)) + b;
  CHECK_THAT(linear(x, w, b), IsIdentical(expected));
  CHECK_THAT(linear(x, w), IsIdentical(matmul(x, transpose(w, 0, 1))));
  // Leading axes are merged: (2, 2, 3) behaves as (4, 3) rows.
  Tensor y3 = linear(x.reshape({2, 2, 3}), w, b);
  CHECK(y3.shape() == Shape{2, 2, 2});
  CHECK_THAT(y3.reshape({4, 2}), IsIdentical(expected));
}

TEST_CASE("linear gradients pass gradcheck with and without bias", "[linalg]") {
  Generator gen(9);
  auto with_bias = gradcheck([](const std::vector<Tensor>& in) { return linear(in[0], in[1], in[2]); },
                             {randn({5, 4}, &gen), randn({3, 4}, &gen), randn({3}, &gen)});
  INFO(with_bias.message);
  CHECK(with_bias.ok);
  auto no_bias = gradcheck([](const std::vector<Tensor>& in) { return linear(in[0], in[1]); },
                           {randn({5, 4}, &gen), randn({3, 4}, &gen)});
  INFO(no_bias.message);
  CHECK(no_bias.ok);
}

TEST_CASE("linear names both shapes when features do not match", "[linalg]") {
  CHECK_THROWS_WITH(linear(ones({2, 5}), ones({3, 4})),
                    Catch::Equals("linear: input has 5 features but weight expects 4 (input [2, 5], weight [3, 4])"));
  CHECK_THROWS_WITH(linear(ones({2, 4}), ones({3, 4}), ones({2})),
                    Catch::Contains("expected bias of shape [3]") && Catch::Contains("got bias [2]"));
  CHECK_THROWS_WITH(linear(ones({2, 4}), ones({4})), Catch::Contains("expected a 2-D weight"));
}

TEST_CASE("linear and matmul are recorded under their kinds", "[linalg]") {
  Tensor x = ones({2, 3}).requires_grad_();
  Tensor w = ones({4, 3});
  CHECK(linear(x, w).grad_fn()->kind == "linear");
  CHECK(matmul(x, transpose(w, 0, 1)).grad_fn()->kind == "matmul");
  // A weight that does not require grad gets no gradient; x's is dy W.
  sum(linear(x, w)).backward();
  CHECK_FALSE(w.grad().defined());
  CHECK(x.grad().to_vector() == std::vector<float>(6, 4.0f));
}
