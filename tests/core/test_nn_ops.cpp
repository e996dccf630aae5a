// Network-end ops: softmax/log_softmax, cross_entropy (plain and label-smoothed), mse_loss
// against PyTorch goldens (tests/golden/gen_linear_loss.py, torch 1.13, within depth * eps,
// docs/testing.md); gradient checks; dropout's modes, seeding and saved mask; label and shape errors.
#include <catch2/catch.hpp>
#include <close.h>

#include <janus/core/autograd.h>
#include <janus/core/op.h>
#include <janus/core/ops.h>
#include <janus/core/random.h>

#include <cmath>

#include "fixtures.h"
#include "gradcheck.h"

using namespace janus;
using namespace janus::testing;  // close.h
using janus::testing::Fixture;
using janus::testing::gradcheck;

TEST_CASE("softmax and log_softmax match PyTorch on any axis", "[nn]") {
  Fixture f = Fixture::load("linear_loss.json");
  for (const char* name : {"softmax", "log_softmax"}) {
    for (int64_t axis : {-1, 1}) {
      const std::string key = std::string(name) + ".axis" + std::to_string(axis);
      INFO(key);
      Tensor x = f.tensor(key + ".x").requires_grad_();
      Tensor y = std::string(name) == "softmax" ? softmax(x, axis) : log_softmax(x, axis);
      CHECK_THAT(y, IsClose(f.tensor(key + ".y"), accumulation(7)));
      sum(y * f.tensor(key + ".r")).backward();
      CHECK_THAT(x.grad(), IsClose(f.tensor(key + ".gx"), accumulation(7)));
    }
  }
}

TEST_CASE("softmax is stable for large logits and sums to one", "[nn]") {
  Tensor x = from_vector({1000.0f, 1001.0f, 1002.0f, -1000.0f, 0.0f, 1000.0f}, {2, 3});
  Tensor y = softmax(x);
  for (float v : y.to_vector()) CHECK(std::isfinite(v));
  CHECK(y.at({0, 0}) + y.at({0, 1}) + y.at({0, 2}) == Approx(1.0f));
  CHECK(y.at({1, 2}) == Approx(1.0f));
  Tensor ly = log_softmax(x);
  CHECK(ly.at({0, 2}) == Approx(-std::log(1.0 + std::exp(-1.0) + std::exp(-2.0))));
  CHECK(ly.at({1, 0}) == Approx(-2000.0f));
}

TEST_CASE("softmax and log_softmax pass gradcheck", "[nn]") {
  Generator gen(21);
  for (int64_t axis : {0, 1, -1}) {
    INFO("axis " << axis);
    auto rs = gradcheck([axis](const std::vector<Tensor>& in) { return softmax(in[0], axis); },
                        {randn({3, 4, 2}, &gen)});
    INFO(rs.message);
    CHECK(rs.ok);
    auto rl = gradcheck([axis](const std::vector<Tensor>& in) { return log_softmax(in[0], axis); },
                        {randn({3, 4, 2}, &gen)});
    INFO(rl.message);
    CHECK(rl.ok);
  }
}

TEST_CASE("cross_entropy matches PyTorch with and without label smoothing", "[nn]") {
  Fixture f = Fixture::load("linear_loss.json");
  const Tensor labels = f.tensor("ce.labels");
  for (const char* key : {"plain", "smooth"}) {
    INFO(key);
    const std::string k = std::string("ce.") + key;
    Tensor logits = f.tensor("ce.logits").requires_grad_();
    const float eps = static_cast<float>(f.value(k + ".eps"));
    Tensor loss = cross_entropy(logits, labels, CrossEntropyOptions().label_smoothing(eps));
    CHECK(loss.dim() == 0);
    CHECK(loss.item() == Approx(f.tensor(k + ".loss").item()).epsilon(1e-6));
    (loss * 1.7f).backward();
    CHECK_THAT(logits.grad(), IsClose(f.tensor(k + ".glogits"), accumulation(10)));
  }
}

TEST_CASE("cross_entropy equals the mean of -log_softmax at the label", "[nn]") {
  Generator gen(4);
  Tensor logits = randn({5, 3}, &gen);
  Tensor labels = from_vector({0, 2, 1, 1, 0}, {5});
  Tensor lsm = log_softmax(logits);
  double expected = 0.0;
  for (int64_t i = 0; i < 5; ++i) expected -= lsm.at({i, static_cast<int64_t>(labels.data()[i])});
  CHECK(cross_entropy(logits, labels).item() == Approx(expected / 5));
}

TEST_CASE("cross_entropy passes gradcheck", "[nn]") {
  Generator gen(8);
  const Tensor labels = from_vector({3, 0, 1, 3}, {4});
  for (float eps : {0.0f, 0.2f}) {
    INFO("label_smoothing " << eps);
    auto r = gradcheck(
        [&labels, eps](const std::vector<Tensor>& in) {
          return cross_entropy(in[0], labels, CrossEntropyOptions().label_smoothing(eps));
        },
        {randn({4, 5}, &gen)});
    INFO(r.message);
    CHECK(r.ok);
  }
}

TEST_CASE("cross_entropy checks labels and shapes", "[nn]") {
  Tensor logits = zeros({5, 10});
  CHECK_THROWS_WITH(cross_entropy(logits, from_vector({0, 1, 2, 12, 4}, {5})),
                    Catch::Equals("cross_entropy: label 12 at position 3 is out of range for 10 classes"));
  CHECK_THROWS_WITH(cross_entropy(logits, from_vector({0, -1, 2, 3, 4}, {5})),
                    Catch::Contains("label -1 at position 1 is out of range for 10 classes"));
  CHECK_THROWS_WITH(cross_entropy(logits, from_vector({0, 1, 2.5f, 3, 4}, {5})),
                    Catch::Contains("label 2.5 at position 2 is not an integer class index"));
  CHECK_THROWS_WITH(cross_entropy(logits, from_vector({0, 1, 2}, {3})),
                    Catch::Contains("expected labels of shape [5] for logits [5, 10] (got labels [3])"));
  CHECK_THROWS_WITH(cross_entropy(zeros({5}), zeros({5})), Catch::Contains("expected 2-D logits (N, C)"));
  CHECK_THROWS_WITH(cross_entropy(logits, zeros({5}), CrossEntropyOptions().label_smoothing(1.5f)),
                    Catch::Contains("label_smoothing must be in [0, 1]"));
}

TEST_CASE("mse_loss matches PyTorch and passes gradcheck", "[nn]") {
  Fixture f = Fixture::load("linear_loss.json");
  Tensor p = f.tensor("mse.p").requires_grad_();
  Tensor t = f.tensor("mse.t").requires_grad_();
  Tensor loss = mse_loss(p, t);
  CHECK(loss.item() == Approx(f.tensor("mse.loss").item()).epsilon(1e-6));
  loss.backward();
  CHECK_THAT(p.grad(), IsClose(f.tensor("mse.gp"), accumulation(2)));
  CHECK_THAT(t.grad(), IsClose(f.tensor("mse.gt"), accumulation(2)));
  Generator gen(2);
  auto r = gradcheck([](const std::vector<Tensor>& in) { return mse_loss(in[0], in[1]); },
                     {randn({3, 4}, &gen), randn({3, 4}, &gen)});
  INFO(r.message);
  CHECK(r.ok);
  CHECK_THROWS_WITH(mse_loss(ones({2, 3}), ones({3, 2})),
                    Catch::Contains("mse_loss: prediction [2, 3] and target [3, 2] must have the same shape"));
}

TEST_CASE("dropout is the identity in eval mode and when p is 0", "[nn]") {
  Generator gen(1);
  Tensor x = randn({4, 5}, &gen).requires_grad_();
  Tensor y = dropout(x, 0.5f, /*training=*/false);
  CHECK(y.to_vector() == x.to_vector());
  CHECK(y.grad_fn()->kind == "dropout");
  sum(y * 3.0f).backward();
  CHECK(x.grad().to_vector() == std::vector<float>(20, 3.0f));
  CHECK(dropout(x, 0.0f, true).to_vector() == x.to_vector());
  CHECK(find_op("dropout").mode_dependent);
}

TEST_CASE("dropout in training zeroes about p and scales the rest by 1 over 1-p", "[nn]") {
  Generator gen(42);
  const float p = 0.3f;
  Tensor x = ones({100, 100});
  Tensor y = dropout(x, p, true, &gen);
  int64_t zeros_seen = 0, wrong_scale = 0;
  for (float v : y.to_vector()) {
    if (v == 0.0f) ++zeros_seen;
    else if (std::fabs(v - 1.0f / (1.0f - p)) > 1e-6f) ++wrong_scale;
  }
  CHECK(wrong_scale == 0);
  // 10000 Bernoulli(0.3) draws: mean 3000, sd ~46; 5 sd either side.
  CHECK(zeros_seen > 2770);
  CHECK(zeros_seen < 3230);
  // p = 1 drops everything.
  CHECK(dropout(x, 1.0f, true, &gen).to_vector() == std::vector<float>(10000, 0.0f));
  CHECK_THROWS_WITH(dropout(x, 1.5f, true), Catch::Contains("dropout: expected a probability p in [0, 1]"));
}

TEST_CASE("dropout is reproducible from a seeded generator and saves its mask", "[nn]") {
  Tensor x = arange(1.0f, 41.0f).reshape({5, 8});
  Generator g1(7), g2(7);
  Tensor a = dropout(x, 0.5f, true, &g1);
  Tensor b = dropout(x, 0.5f, true, &g2);
  CHECK(a.to_vector() == b.to_vector());
  Tensor c = dropout(x, 0.5f, true, &g1);  // the stream has moved on: a different mask
  CHECK(c.to_vector() != a.to_vector());
  // Backward multiplies by the mask of the forward that ran, not a fresh draw.
  Tensor xr = x.clone().requires_grad_();
  Generator g3(99);
  Tensor y = dropout(xr, 0.5f, true, &g3);
  y.backward(ones({5, 8}));
  const std::vector<float> yv = y.to_vector(), gv = xr.grad().to_vector(), xv = x.to_vector();
  for (size_t i = 0; i < yv.size(); ++i) CHECK(gv[i] == Approx(yv[i] / xv[i]));
  // With a fixed mask (fresh generator per call) dropout passes gradcheck.
  auto r = gradcheck(
      [](const std::vector<Tensor>& in) {
        Generator g(5);
        return dropout(in[0], 0.4f, true, &g);
      },
      {randn({3, 6}, &g3)});
  INFO(r.message);
  CHECK(r.ok);
}
