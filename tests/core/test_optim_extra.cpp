// RMSprop, per-group optimizer options, and the schedulers MultiStepLR, ExponentialLR,
// OneCycleLR and ReduceLROnPlateau against PyTorch 1.13 (tests/golden/gen_optim_extra.py):
// parameters within 1e-6 (absolute and relative: 5 float32 steps of order-1 values), lrs and
// momenta within 1e-12 relative (double closed forms); plus state dict round trips and errors.
#include <catch2/catch.hpp>

#include <janus/core/ops.h>
#include <janus/core/optim/optim.h>

#include <cmath>
#include <functional>
#include <memory>
#include <string>

#include "fixtures.h"

using namespace janus;
using namespace janus::optim;
using janus::testing::Fixture;

namespace {

using MakeOptimizer = std::function<std::unique_ptr<Optimizer>(std::vector<Tensor>)>;

void check_against_torch(const std::string& variant, const MakeOptimizer& make) {
  const Fixture f = Fixture::load("optim_extra.json");
  std::vector<Tensor> params = {f.tensor("init.p0").requires_grad_(), f.tensor("init.p1").requires_grad_()};
  std::unique_ptr<Optimizer> opt = make(params);
  for (int k = 0; k < 5; ++k) {
    opt->zero_grad();
    const std::string step = ".step" + std::to_string(k);
    params[0].set_grad(f.tensor("grad" + step + ".p0"));
    params[1].set_grad(f.tensor("grad" + step + ".p1"));
    opt->step();
    for (int i = 0; i < 2; ++i) {
      const std::string key = variant + step + ".p" + std::to_string(i);
      INFO(key << ": max |diff| " << max_abs_diff(params[i], f.tensor(key)));
      CHECK(allclose(params[i], f.tensor(key), 1e-6f, 1e-6f));
    }
  }
}

void check_value(double got, double want, const std::string& what) {
  INFO(what << ": got " << got << ", torch " << want);
  CHECK(std::fabs(got - want) <= 1e-12 * std::fabs(want) + 1e-15);
}

std::vector<Tensor> one_param() { return {zeros({1}).requires_grad_()}; }

}  // namespace

TEST_CASE("RMSprop matches PyTorch step by step", "[optim][rmsprop]") {
  SECTION("defaults") {
    check_against_torch("rmsprop", [](std::vector<Tensor> ps) {
      return std::make_unique<RMSprop>(std::move(ps), RMSpropOptions(0.01));
    });
  }
  SECTION("momentum and weight decay") {
    check_against_torch("rmsprop_momentum_wd", [](std::vector<Tensor> ps) {
      return std::make_unique<RMSprop>(std::move(ps),
                                       RMSpropOptions(0.01).alpha(0.9).momentum(0.8).weight_decay(0.1));
    });
  }
  SECTION("centered") {
    check_against_torch("rmsprop_centered", [](std::vector<Tensor> ps) {
      return std::make_unique<RMSprop>(std::move(ps), RMSpropOptions(0.01).alpha(0.9).eps(1e-6).centered(true).momentum(0.5));
    });
  }
  CHECK(RMSprop(one_param()).options().lr_ == 0.01);  // torch's default lr
  CHECK_THROWS_WITH(RMSprop(one_param(), RMSpropOptions().alpha(-1)), Catch::Contains("expected alpha >= 0"));
}

TEST_CASE("parameter groups keep their own options, as torch's param_groups do", "[optim][groups]") {
  SECTION("SGD: the no-decay group for BN and bias, its own lr and nesterov") {
    check_against_torch("sgd_groups", [](std::vector<Tensor> ps) {
      const SGDOptions defaults = SGDOptions(0.1).momentum(0.9).weight_decay(0.05);
      auto opt = std::make_unique<SGD>(std::vector<Tensor>{ps[0]}, defaults);
      opt->add_param_group({ps[1]}, SGDOptions(defaults).lr(0.05).weight_decay(0).nesterov(true));
      return opt;
    });
  }
  SECTION("AdamW") {
    check_against_torch("adamw_groups", [](std::vector<Tensor> ps) {
      auto opt = std::make_unique<AdamW>(std::vector<Tensor>{ps[0]}, AdamWOptions(0.01).weight_decay(0.1));
      opt->add_param_group({ps[1]}, AdamWOptions(0.01).weight_decay(0).betas(0.8, 0.9));
      return opt;
    });
  }
  SECTION("RMSprop") {
    check_against_torch("rmsprop_groups", [](std::vector<Tensor> ps) {
      auto opt = std::make_unique<RMSprop>(std::vector<Tensor>{ps[0]}, RMSpropOptions(0.01).centered(true));
      opt->add_param_group({ps[1]}, RMSpropOptions(0.01).momentum(0.9));
      return opt;
    });
  }
  SECTION("state dicts carry each group's options") {
    SGD a(one_param(), SGDOptions(0.1).momentum(0.9).weight_decay(0.05));
    a.add_param_group(one_param(), SGDOptions(0.2).weight_decay(0));
    SGD b(one_param(), SGDOptions(0.1).momentum(0.9).weight_decay(0.05));
    b.add_param_group(one_param(), SGDOptions(0.3).weight_decay(0.01).momentum(0.5));
    b.load_state_dict(a.state_dict());
    CHECK(b.group_options(1).weight_decay_ == 0.0);
    CHECK(b.group_options(1).momentum_ == 0.0);
    CHECK(b.group_options(1).lr_ == 0.2);
    CHECK(b.group_options(0).weight_decay_ == 0.05);
    CHECK_THROWS_WITH(b.group_options(2), Catch::Contains("group 2 does not exist (2 group(s))"));
  }
}

TEST_CASE("MultiStepLR and ExponentialLR match PyTorch", "[optim][sched]") {
  const Fixture f = Fixture::load("optim_extra.json");
  SGD a(one_param(), SGDOptions(0.1).momentum(0.9));
  MultiStepLR multi(a, {5, 2, 9, 5}, 0.5);  // unsorted, 5 twice: as torch's Counter
  SGD b(one_param(), SGDOptions(0.1).momentum(0.9));
  ExponentialLR expo(b, 0.8);
  for (int i = 0; i <= 14; ++i) {
    if (i > 0) multi.step(), expo.step();
    check_value(a.lr(), f.value("sched.multistep.lr" + std::to_string(i)), "multistep " + std::to_string(i));
    check_value(b.lr(), f.value("sched.exponential.lr" + std::to_string(i)), "exponential " + std::to_string(i));
  }
  CHECK_THROWS_WITH(ExponentialLR(b, 0.0), Catch::Contains("expected gamma > 0"));
}

TEST_CASE("OneCycleLR matches PyTorch's lr and momentum cycles", "[optim][sched]") {
  const Fixture f = Fixture::load("optim_extra.json");
  auto run = [&](const std::string& name, Optimizer& opt, const OneCycleLROptions& o,
                 const std::function<double()>& momentum) {
    OneCycleLR sched(opt, o);
    for (int i = 0; i <= 14; ++i) {
      if (i > 0) sched.step();
      check_value(opt.lr(), f.value("sched." + name + ".lr" + std::to_string(i)), name + " lr " + std::to_string(i));
      check_value(momentum(), f.value("sched." + name + ".momentum" + std::to_string(i)),
                  name + " momentum " + std::to_string(i));
    }
    CHECK_THROWS_WITH(sched.step(), Catch::Contains("tried to step 15 times; the specified number of total steps is 14"));
  };
  SECTION("cosine, SGD momentum") {
    SGD opt(one_param(), SGDOptions(0.1).momentum(0.9));
    run("onecycle_cos", opt, OneCycleLROptions(0.5, 14), [&] { return opt.group_options(0).momentum_; });
  }
  SECTION("linear, Adam's beta1") {
    Adam opt(one_param(), AdamOptions(0.01));
    run("onecycle_linear_adam", opt,
        OneCycleLROptions(0.02, 14).pct_start(0.4).anneal_strategy("linear").div_factor(10).final_div_factor(100)
            .base_momentum(0.8).max_momentum(0.9),
        [&] { return opt.group_options(0).beta1_; });
  }
  SECTION("three phases") {
    SGD opt(one_param(), SGDOptions(0.1).momentum(0.9));
    run("onecycle_three_phase", opt, OneCycleLROptions(0.3, 14).three_phase(true),
        [&] { return opt.group_options(0).momentum_; });
  }
  SGD opt(one_param(), SGDOptions(0.1));
  CHECK_THROWS_WITH(OneCycleLR(opt, OneCycleLROptions(0.1, 10).anneal_strategy("exp")),
                    Catch::Contains("anneal_strategy must be \"cos\" or \"linear\""));
}

TEST_CASE("ReduceLROnPlateau matches PyTorch on a metric sequence", "[optim][sched]") {
  const Fixture f = Fixture::load("optim_extra.json");
  const std::vector<std::pair<std::string, ReduceLROnPlateauOptions>> cases = {
      {"min_rel", ReduceLROnPlateauOptions().factor(0.5).patience(2)},
      {"min_abs_cooldown",
       ReduceLROnPlateauOptions().factor(0.3).patience(1).threshold(0.01).threshold_mode("abs").cooldown(2).min_lr(0.004)},
      {"max_rel", ReduceLROnPlateauOptions().mode("max").factor(0.1).patience(0).threshold(0.05)},
  };
  for (const auto& [name, options] : cases) {
    SGD opt(one_param(), SGDOptions(0.1));
    ReduceLROnPlateau sched(opt, options);
    for (int i = 0; i < 16; ++i) {
      sched.step(f.value("plateau.metrics." + std::to_string(i)));
      check_value(opt.lr(), f.value("plateau." + name + ".lr" + std::to_string(i)), name + " " + std::to_string(i));
    }
  }
  SGD opt(one_param(), SGDOptions(0.1));
  CHECK_THROWS_WITH(ReduceLROnPlateau(opt, ReduceLROnPlateauOptions().mode("up")), Catch::Contains("mode must be"));
  CHECK_THROWS_WITH(ReduceLROnPlateau(opt, ReduceLROnPlateauOptions().factor(1.0)), Catch::Contains("factor should be < 1.0"));
}

TEST_CASE("the new schedulers and RMSprop resume from their state dicts", "[optim][sched][state]") {
  SECTION("ReduceLROnPlateau") {
    SGD a(one_param(), SGDOptions(0.1));
    ReduceLROnPlateau s1(a, ReduceLROnPlateauOptions().patience(1).cooldown(1));
    for (double m : {1.0, 0.5, 0.6, 0.7}) s1.step(m);
    SGD b(one_param(), SGDOptions(0.1));
    ReduceLROnPlateau s2(b);
    s2.load_state_dict(s1.state_dict());
    CHECK(s2.best() == 0.5);
    CHECK(s2.last_step() == 4);
    for (double m : {0.8, 0.9, 1.0}) s1.step(m), s2.step(m);
    CHECK(a.lr() == Approx(0.001));  // reduced twice; b (lr 0.1 when loaded) once:
    CHECK(b.lr() == Approx(0.01));  // the optimizer's lr is not in the scheduler's dict
    CHECK(s1.num_bad_epochs() == s2.num_bad_epochs());
    NamedTensors bad = s1.state_dict();
    for (auto& kv : bad)
      if (kv.first == "mode") kv.second = encode_name("sideways");
    CHECK_THROWS_WITH(s2.load_state_dict(bad), Catch::Contains("mode must be \"min\" or \"max\""));
    ReduceLROnPlateau fresh(b);
    CHECK_FALSE(fresh.state_dict().empty());
    fresh.load_state_dict(ReduceLROnPlateau(a).state_dict());  // no metric yet: no "best"
    CHECK(std::isinf(fresh.best()));
  }
  SECTION("OneCycleLR, MultiStepLR, ExponentialLR") {
    SGD a(one_param(), SGDOptions(0.1).momentum(0.9)), b(one_param(), SGDOptions(0.1).momentum(0.9));
    OneCycleLR s1(a, OneCycleLROptions(0.5, 20).pct_start(0.25)), s2(b, OneCycleLROptions(0.1, 99));
    for (int i = 0; i < 7; ++i) s1.step();
    s2.load_state_dict(s1.state_dict());
    CHECK(b.lr() == a.lr());
    CHECK(s2.options().total_steps_ == 20);
    s1.step(), s2.step();
    CHECK(b.lr() == a.lr());
    CHECK(b.group_options(0).momentum_ == a.group_options(0).momentum_);
    MultiStepLR m1(a, {3, 6}), m2(b, {1});
    m1.step();
    m2.load_state_dict(m1.state_dict());
    CHECK(m2.lr_at(6, 1.0) == Approx(0.01));
    ExponentialLR e1(a, 0.5), e2(b, 0.9);
    e2.load_state_dict(e1.state_dict());
    CHECK(e2.lr_at(2, 1.0) == 0.25);
  }
  SECTION("RMSprop") {
    std::vector<Tensor> pa = {from_vector({1, 2}, {2}).requires_grad_()}, pb = {from_vector({1, 2}, {2}).requires_grad_()};
    RMSprop a(pa, RMSpropOptions(0.01).momentum(0.9).centered(true)), b(pb, RMSpropOptions(0.5));
    pa[0].set_grad(from_vector({0.5f, -1.0f}, {2}));
    a.step();
    b.load_state_dict(a.state_dict());
    CHECK(b.group_options(0).centered_);
    pb[0].copy_(pa[0]);
    pa[0].set_grad(from_vector({0.25f, 2.0f}, {2}));
    pb[0].set_grad(from_vector({0.25f, 2.0f}, {2}));
    a.step(), b.step();
    CHECK(pa[0].to_vector() == pb[0].to_vector());
  }
}
