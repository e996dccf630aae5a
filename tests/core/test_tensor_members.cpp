// torch.Tensor's members on janus::Tensor: view/reshape/permute/transpose/t/squeeze/unsqueeze,
// select/narrow/x[i] (views where torch's share storage and janus' layout allows), sum/mean/
// max/argmax along axes, torch.cat/torch.stack -- values, shapes, storage sharing, gradient
// checks for the differentiable ones and the errors.
#include <catch2/catch.hpp>

#include <janus/core/autograd.h>
#include <janus/core/ops.h>
#include <janus/core/random.h>

#include <gradcheck.h>

#include <cmath>
#include <limits>
#include <vector>

using namespace janus;
using janus::testing::gradcheck;

namespace {

using Vec = std::vector<float>;

void check_grad(const testing::GradcheckFn& fn, const std::vector<Tensor>& inputs) {
  const auto r = gradcheck(fn, inputs);
  INFO(r.message);
  CHECK(r.ok);
  CHECK(r.checked > 0);
}

}  // namespace

TEST_CASE("view, squeeze and unsqueeze share storage and change only the shape", "[tensor][members]") {
  Tensor x = arange(0, 6);
  Tensor v = x.view({2, 3});
  CHECK(v.shape() == Shape{2, 3});
  CHECK(v.view({-1, 2}).shape() == Shape{3, 2});
  v.data()[0] = 42;  // a view: the write shows through
  CHECK(x.data()[0] == 42);
  Tensor u = v.unsqueeze(0).unsqueeze(-1);
  CHECK(u.shape() == Shape{1, 2, 3, 1});
  CHECK(u.unsqueeze(4).shape() == Shape{1, 2, 3, 1, 1});
  CHECK(u.squeeze().shape() == Shape{2, 3});
  CHECK(u.squeeze(0).shape() == Shape{2, 3, 1});
  CHECK(u.squeeze(1).shape() == Shape{1, 2, 3, 1});  // size 2: unchanged, as in torch
  CHECK(u.squeeze(-1).shape() == Shape{1, 2, 3});
  CHECK(ones({1, 1}).squeeze().shape() == Shape{});
  CHECK(scalar(2).unsqueeze(0).shape() == Shape{1});
  CHECK_THROWS_WITH(v.unsqueeze(3), Catch::Contains("unsqueeze: axis 3 is out of range for a 2-D tensor (expected -3 to 2)"));
  CHECK_THROWS_WITH(v.view({4, 2}), Catch::Contains("invalid for input of shape [2, 3]"));
  CHECK_THROWS_WITH(v.squeeze(2), Catch::Contains("squeeze: axis 2 is out of range"));
}

TEST_CASE("permute, transpose and t reorder axes like torch", "[tensor][members]") {
  Tensor x = arange(0, 24).view({2, 3, 4});
  Tensor p = x.permute({2, 0, 1});
  CHECK(p.shape() == Shape{4, 2, 3});
  CHECK(p.at({3, 1, 2}) == x.at({1, 2, 3}));
  CHECK(x.transpose(0, -1).shape() == Shape{4, 3, 2});
  CHECK(x.transpose(0, -1).at({3, 1, 0}) == x.at({0, 1, 3}));
  Tensor m = from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
  CHECK(m.t().shape() == Shape{3, 2});
  CHECK(m.t().to_vector() == Vec{1, 4, 2, 5, 3, 6});
  CHECK(arange(0, 3).t().shape() == Shape{3});  // 1-D: unchanged
  CHECK_THROWS_WITH(x.t(), Catch::Contains("t: expects a tensor with <= 2 dimensions (got 3-D input [2, 3, 4])"));
  CHECK_THROWS_WITH(x.permute({0, 0, 1}), Catch::Contains("appears twice"));
}

TEST_CASE("select, narrow and x[i] index like torch; axis-0 slices are views", "[tensor][members]") {
  Tensor x = arange(0, 24).view({2, 3, 4});
  CHECK(x[1].shape() == Shape{3, 4});
  CHECK(x[1][2].to_vector() == Vec{20, 21, 22, 23});
  CHECK(x[-1][0][-1].item() == 15);
  CHECK(x[0][1][2].dim() == 0);
  CHECK(x.select(1, 2).shape() == Shape{2, 4});
  CHECK(x.select(1, 2).to_vector() == Vec{8, 9, 10, 11, 20, 21, 22, 23});
  CHECK(x.select(-1, 0).to_vector() == Vec{0, 4, 8, 12, 16, 20});
  CHECK(x.narrow(2, 1, 2).shape() == Shape{2, 3, 2});
  CHECK(x.narrow(2, 1, 2).to_vector() == Vec{1, 2, 5, 6, 9, 10, 13, 14, 17, 18, 21, 22});
  CHECK(x.narrow(1, -2, 2).at({1, 0, 0}) == 16);
  CHECK(x.narrow(0, 1, 0).shape() == Shape{0, 3, 4});
  // x[i] and narrow(0, ...) share storage, as torch's views do: writes reach x.
  x[1][2].fill_(-1);
  CHECK(x.at({1, 2, 3}) == -1);
  x.narrow(0, 0, 1).fill_(7);
  CHECK(x.at({0, 2, 1}) == 7);
  // select on a later axis is a copy in janus (torch would give a strided view).
  x.select(2, 0).fill_(100);
  CHECK(x.at({1, 1, 0}) == 16);
  CHECK_THROWS_WITH(x[2], Catch::Contains("select: index 2 is out of range for axis 0 of size 2 (input [2, 3, 4])"));
  CHECK_THROWS_WITH(x.narrow(2, 3, 2), Catch::Contains("start (3) + length (2) exceeds axis 2 of size 4"));
  CHECK_THROWS_WITH(scalar(1)[0], Catch::Contains("select: cannot index a 0-d tensor"));
}

TEST_CASE("sum and mean along axes as members", "[tensor][members][reduce]") {
  Tensor x = from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
  CHECK(x.sum().item() == 21);
  CHECK(x.sum().dim() == 0);
  CHECK(x.sum(0).to_vector() == Vec{5, 7, 9});
  CHECK(x.sum(1, true).shape() == Shape{2, 1});
  CHECK(x.sum({0, 1}).item() == 21);
  CHECK(x.mean().item() == 3.5f);
  CHECK(x.mean(-1).to_vector() == Vec{2, 5});
  CHECK(x.mean({0}, true).shape() == Shape{1, 3});
  CHECK_THROWS_WITH(x.sum(2), Catch::Contains("axis 2 is out of range"));
}

TEST_CASE("max(axis) gives values and first indices; NaN is the largest", "[tensor][members][reduce]") {
  // Values and indices from torch 1.13:
  //   x = [[1, 5, 5], [nan, 2, nan], [-1, -3, -1]]
  //   x.max(1) = (values [5, nan, -1], indices [1, 0, 0]); x.max(0).indices = [1, 0, 1];
  //   x.argmax() = 3
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor x = from_vector({1, 5, 5, nan, 2, nan, -1, -3, -1}, {3, 3});
  auto [values, indices] = x.max(1);
  CHECK(values.at({0}) == 5);
  CHECK(std::isnan(values.at({1})));
  CHECK(values.at({2}) == -1);
  CHECK(indices.to_vector() == Vec{1, 0, 0});
  CHECK(x.max(0).indices.to_vector() == Vec{1, 0, 1});
  CHECK(x.argmax(1).to_vector() == Vec{1, 0, 0});
  CHECK(x.argmax(0, true).shape() == Shape{1, 3});
  CHECK(x.argmax().item() == 3);
  CHECK(x.argmax().dim() == 0);
  CHECK(x.max(1, true).values.shape() == Shape{3, 1});
  // Gradient goes to the returned index only (ties: the first).
  Tensor t = from_vector({1, 5, 5, 0, 2, 3}, {2, 3}).requires_grad_();
  t.max(1).values.sum().backward();
  CHECK(t.grad().to_vector() == Vec{0, 1, 0, 0, 0, 1});
  CHECK_FALSE(x.argmax(1).requires_grad());
  CHECK_THROWS_WITH(zeros({2, 0}).max(1), Catch::Contains("cannot reduce the empty axis 1"));
  CHECK_THROWS_WITH(scalar(1).argmax(0), Catch::Contains("at least one axis"));
}

TEST_CASE("cat and stack join tensors like torch", "[tensor][members][shape]") {
  Tensor a = from_vector({1, 2, 3, 4}, {2, 2}), b = from_vector({5, 6, 7, 8}, {2, 2});
  CHECK(cat({a, b}).shape() == Shape{4, 2});
  CHECK(cat({a, b}, 1).to_vector() == Vec{1, 2, 5, 6, 3, 4, 7, 8});
  CHECK(stack({a, b}).shape() == Shape{2, 2, 2});
  CHECK(stack({a, b}, 1).to_vector() == Vec{1, 2, 5, 6, 3, 4, 7, 8});
  CHECK(stack({a, b}, -1).shape() == Shape{2, 2, 2});
  CHECK(stack({a, b}, -1).to_vector() == Vec{1, 5, 2, 6, 3, 7, 4, 8});
  CHECK(stack({scalar(1), scalar(2)}).to_vector() == Vec{1, 2});
  CHECK_THROWS_WITH(stack({a, ones({3})}), Catch::Contains("stack: expects tensors of equal shape"));
  CHECK_THROWS_WITH(stack({}), Catch::Contains("at least one tensor"));
}

TEST_CASE("the differentiable members pass gradcheck", "[tensor][members][gradcheck]") {
  Generator gen(17);
  const Tensor x = randn({2, 3, 4}, &gen);
  check_grad([](const std::vector<Tensor>& in) { return in[0].view({6, 4}); }, {x});
  check_grad([](const std::vector<Tensor>& in) { return in[0].permute({1, 2, 0}); }, {x});
  check_grad([](const std::vector<Tensor>& in) { return in[0].transpose(0, 2); }, {x});
  check_grad([](const std::vector<Tensor>& in) { return in[0][1].t(); }, {x});
  check_grad([](const std::vector<Tensor>& in) { return in[0].unsqueeze(1).squeeze(); }, {x});
  check_grad([](const std::vector<Tensor>& in) { return in[0].select(1, 2); }, {x});
  check_grad([](const std::vector<Tensor>& in) { return in[0].narrow(2, 1, 2); }, {x});
  check_grad([](const std::vector<Tensor>& in) { return in[0].narrow(0, 1, 1); }, {x});
  check_grad([](const std::vector<Tensor>& in) { return in[0].sum(1); }, {x});
  check_grad([](const std::vector<Tensor>& in) { return in[0].mean({0, 2}, true); }, {x});
  check_grad([](const std::vector<Tensor>& in) { return stack({in[0], in[1]}, 1); }, {x, randn({2, 3, 4}, &gen)});
  check_grad([](const std::vector<Tensor>& in) { return cat({in[0], in[1]}, 2); }, {x, randn({2, 3, 1}, &gen)});
  // max: values at least 0.1 apart so the argmax does not move under the step.
  const Tensor spread = arange(0, 24).view({2, 3, 4}).permute({2, 0, 1}).reshape({2, 3, 4}) * 0.1f;
  check_grad([](const std::vector<Tensor>& in) { return in[0].max(1).values; }, {spread});
  check_grad([](const std::vector<Tensor>& in) { return in[0].max(-1, true).values; }, {spread});
}
