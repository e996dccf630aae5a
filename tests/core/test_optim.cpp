// Optimizers and LR schedules against PyTorch (tests/golden/gen_optim.py, torch 1.13): every
// variant runs 5 steps on the same fixed gradient sequence and the parameters are compared
// after each step within 1e-6; schedules' lr values within 1e-12 relative. Plus behaviour:
// zero_grad sets to none, params without grad are skipped, groups, lr get/set, errors.
#include <catch2/catch.hpp>
#include <close.h>

#include <janus/core/autograd.h>
#include <janus/core/ops.h>
#include <janus/core/optim/optim.h>

#include <cmath>
#include <functional>
#include <memory>
#include <string>

#include "fixtures.h"

using namespace janus;
using namespace janus::testing;  // close.h
using namespace janus::optim;
using janus::testing::Fixture;

namespace {

using MakeOptimizer = std::function<std::unique_ptr<Optimizer>(std::vector<Tensor>)>;

// |a - b| <= 1e-6 + 1e-6 |b| everywhere.
bool close(const Tensor& a, const Tensor& b) { return allclose(a, b, 1e-6f, 1e-6f); }

void check_against_torch(const std::string& variant, const MakeOptimizer& make) {
  Fixture f = Fixture::load("optim.json");
  std::vector<Tensor> params = {f.tensor("init.p0"), f.tensor("init.p1"), f.tensor("init.p2")};
  for (Tensor& p : params) p.requires_grad_();
  std::unique_ptr<Optimizer> opt = make(params);
  for (int k = 0; k < 5; ++k) {
    opt->zero_grad();
    const std::string step = ".step" + std::to_string(k);
    params[0].set_grad(f.tensor("grad" + step + ".p0"));
    params[1].set_grad(f.tensor("grad" + step + ".p1"));  // p2 never gets a gradient
    opt->step();
    for (int i = 0; i < 3; ++i) {
      const std::string key = variant + step + ".p" + std::to_string(i);
      INFO(key << ": max |diff| " << max_abs_diff(params[i], f.tensor(key)));
      CHECK(close(params[i], f.tensor(key)));
    }
  }
  CHECK(params[2].to_vector() == f.tensor("init.p2").to_vector());
  CHECK(opt->steps() == 5);
}

template <typename Opt, typename Options>
MakeOptimizer maker(Options options) {
  return [options](std::vector<Tensor> ps) { return std::make_unique<Opt>(std::move(ps), options); };
}

}  // namespace

TEST_CASE("SGD variants match PyTorch step by step", "[optim]") {
  SECTION("plain") { check_against_torch("sgd_plain", maker<SGD>(SGDOptions(0.1))); }
  SECTION("momentum and dampening") {
    check_against_torch("sgd_momentum_dampening", maker<SGD>(SGDOptions(0.1).momentum(0.9).dampening(0.3)));
  }
  SECTION("nesterov") { check_against_torch("sgd_nesterov", maker<SGD>(SGDOptions(0.1).momentum(0.9).nesterov(true))); }
  SECTION("weight decay") {
    check_against_torch("sgd_weight_decay", maker<SGD>(SGDOptions(0.1).momentum(0.8).weight_decay(0.05)));
  }
}

TEST_CASE("Adam variants match PyTorch step by step", "[optim]") {
  SECTION("defaults") { check_against_torch("adam", maker<Adam>(AdamOptions(0.01))); }
  SECTION("weight decay as L2") {
    check_against_torch("adam_weight_decay", maker<Adam>(AdamOptions(0.01).betas(0.8, 0.99).weight_decay(0.1)));
  }
  SECTION("amsgrad") { check_against_torch("adam_amsgrad", maker<Adam>(AdamOptions(0.01).betas(0.9, 0.5).amsgrad(true))); }
}

TEST_CASE("AdamW matches PyTorch step by step", "[optim]") {
  SECTION("decoupled weight decay") { check_against_torch("adamw", maker<AdamW>(AdamWOptions(0.01).weight_decay(0.1))); }
  SECTION("default decay 1e-2 with amsgrad") {
    check_against_torch("adamw_amsgrad", maker<AdamW>(AdamWOptions(0.01).betas(0.9, 0.6).amsgrad(true)));
  }
}

TEST_CASE("optimizer defaults are PyTorch's", "[optim]") {
  AdamOptions a;
  CHECK(a.lr_ == 1e-3);
  CHECK(a.beta1_ == 0.9);
  CHECK(a.beta2_ == 0.999);
  CHECK(a.eps_ == 1e-8);
  CHECK(a.weight_decay_ == 0.0);
  CHECK_FALSE(a.amsgrad_);
  CHECK(AdamWOptions().weight_decay_ == 1e-2);
  SGDOptions s(0.5);
  CHECK(s.momentum_ == 0.0);
  CHECK(s.dampening_ == 0.0);
  CHECK_FALSE(s.nesterov_);
}

TEST_CASE("an optimizer trains a linear regression through autograd", "[optim]") {
  // y = 2 x0 - 3 x1 + 0.5; fitting w, b with SGD+momentum from zero must get close.
  Tensor x = from_vector({1, 0, 0, 1, 1, 1, 2, -1, -1, 2, 0.5f, 0.5f}, {6, 2});
  std::vector<float> targets;
  for (int i = 0; i < 6; ++i) targets.push_back(2 * x.at({i, 0}) - 3 * x.at({i, 1}) + 0.5f);
  Tensor y = from_vector(targets, {6, 1});
  Tensor w = zeros({1, 2}).requires_grad_();
  Tensor b = zeros({1}).requires_grad_();
  SGD opt({w, b}, SGDOptions(0.05).momentum(0.9));
  float first = 0.0f, last = 0.0f;
  for (int it = 0; it < 300; ++it) {
    opt.zero_grad();
    Tensor loss = mse_loss(linear(x, w, b), y);
    if (it == 0) first = loss.item();
    last = loss.item();
    loss.backward();
    opt.step();
  }
  CHECK(last < 1e-4f * first);
  CHECK(w.at({0, 0}) == Approx(2.0f).margin(1e-2));
  CHECK(w.at({0, 1}) == Approx(-3.0f).margin(1e-2));
  CHECK(b.at({0}) == Approx(0.5f).margin(1e-2));
}

TEST_CASE("zero_grad sets gradients to none and lr can be read and set", "[optim]") {
  Tensor p = ones({3}).requires_grad_();
  Tensor q = ones({2}).requires_grad_();
  SGD opt({p}, SGDOptions(0.1).momentum(0.9));
  sum(p * 2.0f).backward();
  CHECK(p.grad().defined());
  CHECK_FALSE(opt.momentum_buffer(0).defined());
  opt.step();
  CHECK(opt.momentum_buffer(0).to_vector() == std::vector<float>(3, 2.0f));
  opt.zero_grad();
  CHECK_FALSE(p.grad().defined());
  // A step without gradients changes nothing.
  const std::vector<float> before = p.to_vector();
  opt.step();
  CHECK(p.to_vector() == before);
  CHECK(opt.lr() == 0.1);
  opt.set_lr(0.01);
  CHECK(opt.lr() == 0.01);
  // A second group with its own learning rate.
  opt.add_param_group({q}, 1.0);
  REQUIRE(opt.param_groups().size() == 2);
  q.set_grad(ones({2}));
  opt.step();
  CHECK(q.to_vector() == std::vector<float>(2, 0.0f));  // 1 - 1.0 * 1
  CHECK_THROWS_WITH(opt.add_param_group({p}, 0.1), Catch::Contains("more than one group"));
}

TEST_CASE("SGD lr_in_velocity is Keras' momentum form under a changing lr", "[optim]") {
  // grad = 2 p (p^2 summed), lr 0.1 then 0.05 then 0.02, momentum 0.9. Keras: v = 0.9 v - lr g,
  // p += v (Nesterov p += 0.9 v - lr g); PyTorch: b = 0.9 b + g, p -= lr b.
  const std::vector<double> lrs{0.1, 0.05, 0.02};
  for (bool nesterov : {false, true}) {
    INFO("nesterov " << nesterov);
    Tensor p = from_vector({1.0f, -2.0f}, {2}).requires_grad_();
    Tensor q = from_vector({1.0f, -2.0f}, {2}).requires_grad_();
    SGD keras({p}, SGDOptions(0.1).momentum(0.9).nesterov(nesterov).lr_in_velocity(true));
    SGD torch({q}, SGDOptions(0.1).momentum(0.9).nesterov(nesterov));
    double w[2] = {1.0, -2.0}, v[2] = {0.0, 0.0};
    for (double lr : lrs) {
      for (SGD* o : {&keras, &torch}) {
        o->set_lr(lr);
        o->zero_grad();
      }
      sum(p * p).backward();
      sum(q * q).backward();
      keras.step();
      torch.step();
      for (int i = 0; i < 2; ++i) {
        const double g = 2.0 * w[i];
        v[i] = 0.9 * v[i] - lr * g;
        w[i] += nesterov ? 0.9 * v[i] - lr * g : v[i];
      }
    }
    for (int i = 0; i < 2; ++i) {
      CHECK(p.to_vector()[i] == Approx(w[i]).margin(1e-6));
      CHECK(keras.momentum_buffer(0).to_vector()[i] == Approx(v[i]).margin(1e-6));
      CHECK(std::abs(q.to_vector()[i] - w[i]) > 0.05);  // PyTorch's form differs here
    }
  }
  // At a constant lr both forms make the same updates (up to rounding).
  Tensor p = from_vector({1.0f, -2.0f}, {2}).requires_grad_(), q = from_vector({1.0f, -2.0f}, {2}).requires_grad_();
  SGD keras({p}, SGDOptions(0.1).momentum(0.9).lr_in_velocity(true));
  SGD torch({q}, SGDOptions(0.1).momentum(0.9));
  for (int k = 0; k < 4; ++k) {
    keras.zero_grad();
    torch.zero_grad();
    sum(p * p).backward();
    sum(q * q).backward();
    keras.step();
    torch.step();
  }
  CHECK_THAT(p, IsClose(q, accumulation(4)));
  CHECK_THROWS_WITH(SGD({p}, SGDOptions(0.1).momentum(0.9).dampening(0.1).lr_in_velocity(true)),
                    Catch::Contains("lr_in_velocity") && Catch::Contains("dampening 0.1"));
}

TEST_CASE("SGD decoupled_weight_decay shrinks p by lr wd outside the momentum", "[optim]") {
  // p = [1, -2], grad = [1, 1], lr 0.1, wd 0.5: p (1 - 0.05) - 0.1 g; the buffer holds g only.
  Tensor p = from_vector({1.0f, -2.0f}, {2}).requires_grad_();
  SGD opt({p}, SGDOptions(0.1).momentum(0.9).weight_decay(0.5).decoupled_weight_decay(true));
  p.set_grad(ones({2}));
  opt.step();
  CHECK(p.to_vector()[0] == Approx(0.95 - 0.1).margin(1e-7));
  CHECK(p.to_vector()[1] == Approx(-1.9 - 0.1).margin(1e-7));
  CHECK(opt.momentum_buffer(0).to_vector() == std::vector<float>{1.0f, 1.0f});  // L2 would give 1.5, 0
  // The same decay as AdamW's: bit for bit on the decay alone (zero gradient, no momentum).
  Tensor a = from_vector({0.3f, -0.7f}, {2}).requires_grad_(), b = from_vector({0.3f, -0.7f}, {2}).requires_grad_();
  SGD sgd({a}, SGDOptions(0.01).weight_decay(0.2).decoupled_weight_decay(true));
  AdamW adamw({b}, AdamWOptions(0.01).weight_decay(0.2));
  a.set_grad(zeros({2}));
  b.set_grad(zeros({2}));
  sgd.step();
  adamw.step();
  CHECK(a.to_vector() == b.to_vector());
  CHECK(a.to_vector()[0] == static_cast<float>(0.3f * static_cast<float>(1.0 - 0.01 * 0.2)));
}

TEST_CASE("optimizers reject bad options", "[optim]") {
  Tensor p = ones({2}).requires_grad_();
  CHECK_THROWS_WITH(SGD({p}, SGDOptions(0.1).nesterov(true)), Catch::Contains("Nesterov momentum needs momentum > 0"));
  CHECK_THROWS_WITH(SGD({p}, SGDOptions(-1.0)), Catch::Contains("SGD: expected a learning rate >= 0 (got -1)"));
  CHECK_THROWS_WITH(Adam({p}, AdamOptions().betas(1.0, 0.999)), Catch::Contains("Adam: expected betas in [0, 1)"));
  CHECK_THROWS_WITH(AdamW({p}, AdamWOptions().eps(-1.0)), Catch::Contains("AdamW: expected eps >= 0"));
  CHECK_THROWS_WITH(SGD({Tensor()}, SGDOptions(0.1)), Catch::Contains("parameter 0 of group 0 is an undefined tensor"));
}

namespace {

void check_schedule(const std::string& name, const std::function<std::unique_ptr<LRScheduler>(Optimizer&)>& make) {
  Fixture f = Fixture::load("optim.json");
  Tensor p = zeros({1}).requires_grad_();
  SGD opt({p}, SGDOptions(0.1));
  std::unique_ptr<LRScheduler> sched = make(opt);
  for (int i = 0; i <= 14; ++i) {
    if (i > 0) {
      opt.step();
      sched->step();
    }
    const double expected = f.value("sched." + name + "." + std::to_string(i));
    INFO(name << " step " << i);
    CHECK(opt.lr() == Approx(expected).epsilon(1e-12).margin(1e-15));
    CHECK(sched->last_step() == i);
  }
}

}  // namespace

TEST_CASE("LR schedules match torch.optim.lr_scheduler", "[optim]") {
  check_schedule("step_lr", [](Optimizer& o) { return std::make_unique<StepLR>(o, 3, 0.5); });
  check_schedule("cosine", [](Optimizer& o) { return std::make_unique<CosineAnnealingLR>(o, 10, 0.001); });
  check_schedule("linear_warmup", [](Optimizer& o) { return std::make_unique<LinearWarmup>(o, 0.25, 4); });
  // The CIFAR recipe: LambdaLR(min(1, (s+1)/warm) then half-cosine), warm 3 of 12 steps.
  check_schedule("lambda_warmup_cosine", [](Optimizer& o) { return std::make_unique<LambdaLR>(o, warmup_cosine(3, 12)); });
}

TEST_CASE("schedules scale each group from its own base lr", "[optim]") {
  Tensor p = zeros({1}).requires_grad_(), q = zeros({1}).requires_grad_();
  SGD opt({p}, SGDOptions(0.1));
  opt.add_param_group({q}, 1.0);
  StepLR sched(opt, 1, 0.5);
  sched.step();
  sched.step();
  CHECK(opt.param_groups()[0].lr == Approx(0.025));
  CHECK(opt.param_groups()[1].lr == Approx(0.25));
  CHECK_THROWS_WITH(StepLR(opt, 0), Catch::Contains("StepLR: expected step_size > 0"));
}
