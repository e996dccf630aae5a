// Optimizer and LR-scheduler state dicts: round trips (through a safetensors image) for SGD
// with and without momentum, Adam (amsgrad), AdamW and every scheduler; a resumed run must
// continue bit for bit like the uninterrupted one; every validation error names the key
// with expected vs got and leaves the optimizer unchanged.
#include <catch2/catch.hpp>

#include <janus/core/error.h>
#include <janus/core/optim/optim.h>
#include <janus/core/safetensors.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <string>

using namespace janus;
using namespace janus::optim;
using Catch::Matchers::Contains;

namespace {

using MakeOptimizer = std::function<std::unique_ptr<Optimizer>(std::vector<Tensor>)>;
using MakeScheduler = std::function<std::unique_ptr<LRScheduler>(Optimizer&)>;

template <typename Opt, typename Options>
MakeOptimizer maker(Options options) {
  return [options](std::vector<Tensor> ps) { return std::make_unique<Opt>(std::move(ps), options); };
}

// Three parameters (3, 2), (4,), (2,); slot 2 never gets a gradient.
std::vector<Tensor> make_params() {
  std::vector<Tensor> ps = {from_vector({0.5f, -1.0f, 0.25f, 2.0f, -0.75f, 1.5f}, {3, 2}),
                            from_vector({0.1f, 0.2f, -0.3f, 0.4f}, {4}), from_vector({1.0f, -1.0f}, {2})};
  for (Tensor& p : ps) p.requires_grad_();
  return ps;
}

std::vector<Tensor> clone_params(const std::vector<Tensor>& ps) {
  std::vector<Tensor> out;
  for (const Tensor& p : ps) out.push_back(p.clone().requires_grad_());
  return out;
}

// A deterministic gradient for step k of parameter i (p2 none).
void set_grads(std::vector<Tensor>& ps, int k) {
  ps[2].zero_grad();
  for (int i = 0; i < 2; ++i) {
    std::vector<float> g(static_cast<size_t>(ps[i].numel()));
    for (size_t j = 0; j < g.size(); ++j) g[j] = std::sin(0.7f * static_cast<float>(k + 1) + 1.3f * static_cast<float>(j + 5 * i));
    ps[i].set_grad(from_vector(g, ps[i].shape()));
  }
}

void run_steps(Optimizer& opt, LRScheduler* sched, std::vector<Tensor>& ps, int from, int to) {
  for (int k = from; k < to; ++k) {
    opt.zero_grad();
    set_grads(ps, k);
    opt.step();
    if (sched) sched->step();
  }
}

bool bit_equal(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), sizeof(float) * a.numel()) == 0;
}

// Through a safetensors image, as a checkpoint file would carry it.
NamedTensors via_file(const NamedTensors& d) { return parse_safetensors(serialize_safetensors(d), "memory").tensors; }

bool has_key(const NamedTensors& d, const std::string& key) {
  for (const auto& kv : d)
    if (kv.first == key) return true;
  return false;
}

Tensor& at(NamedTensors& d, const std::string& key) {
  for (auto& kv : d)
    if (kv.first == key) return kv.second;
  FAIL("no key " << key);
  throw;
}

NamedTensors without(NamedTensors d, const std::string& key) {
  NamedTensors out;
  for (auto& kv : d)
    if (kv.first != key) out.push_back(kv);
  return out;
}

// Uninterrupted: 6 steps. Resumed: 3 steps, state to a file image, a new optimizer (and
// scheduler) on copies of the 3-step parameters loads it and runs steps 3..5.
// `stateful`: the run has state to lose (plain SGD without a schedule has none).
void check_bit_exact_resume(const MakeOptimizer& make, const MakeScheduler& make_sched = {}, bool stateful = true) {
  std::vector<Tensor> straight = make_params();
  auto opt_a = make(straight);
  std::unique_ptr<LRScheduler> sched_a = make_sched ? make_sched(*opt_a) : nullptr;
  run_steps(*opt_a, sched_a.get(), straight, 0, 6);

  std::vector<Tensor> first = make_params();
  auto opt_b = make(first);
  std::unique_ptr<LRScheduler> sched_b = make_sched ? make_sched(*opt_b) : nullptr;
  run_steps(*opt_b, sched_b.get(), first, 0, 3);
  const NamedTensors opt_state = via_file(opt_b->state_dict());
  const NamedTensors sched_state = sched_b ? via_file(sched_b->state_dict()) : NamedTensors{};

  std::vector<Tensor> resumed = clone_params(first);
  auto opt_c = make(resumed);
  std::unique_ptr<LRScheduler> sched_c = make_sched ? make_sched(*opt_c) : nullptr;
  opt_c->load_state_dict(opt_state);
  if (sched_c) sched_c->load_state_dict(sched_state);
  CHECK(opt_c->steps() == 3);
  CHECK(opt_c->lr() == opt_b->lr());
  run_steps(*opt_c, sched_c.get(), resumed, 3, 6);
  for (int i = 0; i < 3; ++i) {
    INFO("parameter " << i);
    CHECK(bit_equal(resumed[i], straight[i]));
  }
  CHECK(opt_c->lr() == opt_a->lr());
  CHECK(opt_c->steps() == 6);
  // A fresh start (no load) must differ, or the check above proves nothing.
  std::vector<Tensor> fresh = clone_params(first);
  auto opt_d = make(fresh);
  std::unique_ptr<LRScheduler> sched_d = make_sched ? make_sched(*opt_d) : nullptr;
  run_steps(*opt_d, sched_d.get(), fresh, 3, 6);
  CHECK(bit_equal(fresh[0], straight[0]) == !stateful);
}

}  // namespace

TEST_CASE("exact doubles and names survive float32 tensors", "[optim][state]") {
  for (double v : {0.0, 0.1, 1e-8, 0.999, -3.0e-4, 123456789.123, 1.0 / 3.0, 5e-4 / 0.1})
    CHECK(decode_double(encode_double(v, "x")) == v);
  CHECK(decode_double(encode_double(0.1, "x")) != static_cast<double>(static_cast<float>(0.1)));
  CHECK_THROWS_WITH(encode_double(INFINITY, "param_groups.0.lr"), Contains("param_groups.0.lr") && Contains("finite"));
  CHECK(decode_name(encode_name("AdamW")) == "AdamW");
}

TEST_CASE("SGD with momentum state dict has torch's layout and round trips", "[optim][state]") {
  std::vector<Tensor> ps = make_params();
  SGD opt(ps, SGDOptions(0.1).momentum(0.9).dampening(0.1).weight_decay(1e-3));
  opt.add_param_group({from_vector({3.0f}, {1}).requires_grad_()}, 0.05);
  run_steps(opt, nullptr, ps, 0, 2);
  const NamedTensors d = opt.state_dict();
  for (const char* key : {"kind", "step", "param_groups.0.lr", "param_groups.0.params", "param_groups.0.momentum",
                          "param_groups.0.dampening", "param_groups.0.weight_decay", "param_groups.0.nesterov",
                          "param_groups.1.lr", "param_groups.1.params", "param_groups.1.momentum",
                          "state.0.momentum_buffer", "state.1.momentum_buffer"}) {
    INFO(key);
    CHECK(has_key(d, key));
  }
  CHECK_FALSE(has_key(d, "state.2.momentum_buffer"));  // never updated: absent
  CHECK_FALSE(has_key(d, "state.3.momentum_buffer"));
  NamedTensors copy = d;
  CHECK(at(copy, "param_groups.1.params").to_vector() == std::vector<float>{3.0f});
  CHECK(decode_double(at(copy, "param_groups.1.lr")) == 0.05);
  CHECK(decode_double(at(copy, "step")) == 2.0);
  CHECK(bit_equal(at(copy, "state.0.momentum_buffer"), opt.momentum_buffer(0)));
  CHECK_FALSE(at(copy, "state.0.momentum_buffer").same(opt.momentum_buffer(0)));  // a copy

  std::vector<Tensor> ps2 = clone_params(ps);
  SGD other(ps2, SGDOptions(0.7).momentum(0.5));  // options differ: restored from the dict
  other.add_param_group({from_vector({3.0f}, {1}).requires_grad_()}, 0.9);
  other.load_state_dict(via_file(d));
  CHECK(other.options().momentum_ == 0.9);
  CHECK(other.options().dampening_ == 0.1);
  CHECK(other.options().weight_decay_ == 1e-3);
  CHECK(other.param_groups()[0].lr == 0.1);
  CHECK(other.param_groups()[1].lr == 0.05);
  CHECK(other.steps() == 2);
  CHECK(bit_equal(other.momentum_buffer(1), opt.momentum_buffer(1)));
  CHECK_FALSE(other.momentum_buffer(2).defined());
  CHECK_FALSE(other.momentum_buffer(3).defined());
  // Saving again gives the same dict.
  const NamedTensors again = other.state_dict();
  REQUIRE(again.size() == d.size());
  for (size_t i = 0; i < d.size(); ++i) {
    CHECK(again[i].first == d[i].first);
    CHECK(bit_equal(again[i].second, d[i].second));
  }
}

TEST_CASE("SGD without momentum keeps no state and round trips", "[optim][state]") {
  std::vector<Tensor> ps = make_params();
  SGD opt(ps, SGDOptions(0.1));
  run_steps(opt, nullptr, ps, 0, 3);
  const NamedTensors d = opt.state_dict();
  for (const auto& kv : d) CHECK(kv.first.rfind("state.", 0) != 0);
  SGD other(clone_params(ps), SGDOptions(0.3));
  other.load_state_dict(via_file(d));
  CHECK(other.steps() == 3);
  CHECK(other.lr() == 0.1);
  check_bit_exact_resume(maker<SGD>(SGDOptions(0.1).weight_decay(0.01)), {}, false);
}

TEST_CASE("Adam and AdamW state dicts round trip", "[optim][state]") {
  std::vector<Tensor> ps = make_params();
  Adam opt(ps, AdamOptions(0.01).betas(0.8, 0.99).amsgrad(true).eps(1e-6));
  run_steps(opt, nullptr, ps, 0, 2);
  const NamedTensors d = opt.state_dict();
  for (const char* key : {"param_groups.0.betas", "param_groups.0.eps", "param_groups.0.weight_decay",
                          "param_groups.0.amsgrad", "state.0.step", "state.0.exp_avg", "state.0.exp_avg_sq",
                          "state.0.max_exp_avg_sq", "state.1.step"}) {
    INFO(key);
    CHECK(has_key(d, key));
  }
  CHECK_FALSE(has_key(d, "state.2.step"));
  NamedTensors copy = d;
  CHECK(at(copy, "param_groups.0.betas").shape() == Shape{2, 3});
  CHECK(decode_doubles(at(copy, "param_groups.0.betas")) == std::vector<double>{0.8, 0.99});
  Adam other(clone_params(ps), AdamOptions(0.5));
  other.load_state_dict(via_file(d));
  CHECK(other.options().beta1_ == 0.8);
  CHECK(other.options().beta2_ == 0.99);
  CHECK(other.options().eps_ == 1e-6);
  CHECK(other.options().amsgrad_);
  CHECK(other.lr() == 0.01);

  AdamW w(make_params(), AdamWOptions(0.01));
  CHECK(w.state_dict().size() > 0);
  NamedTensors wd = w.state_dict();
  CHECK(decode_name(at(wd, "kind")) == "AdamW");
  CHECK(decode_double(at(wd, "param_groups.0.weight_decay")) == 1e-2);
  CHECK_FALSE(has_key(wd, "state.0.step"));  // no step yet
}

TEST_CASE("a resumed optimizer continues bit for bit", "[optim][state]") {
  SECTION("SGD momentum nesterov") {
    check_bit_exact_resume(maker<SGD>(SGDOptions(0.1).momentum(0.9).nesterov(true).weight_decay(5e-4)));
  }
  SECTION("SGD with LambdaLR warmup_cosine") {
    check_bit_exact_resume(maker<SGD>(SGDOptions(0.05).momentum(0.9)),
                           [](Optimizer& o) { return std::make_unique<LambdaLR>(o, warmup_cosine(2, 6)); });
  }
  SECTION("SGD in Keras' form: lr in the velocity, decoupled decay, Nesterov, with StepLR") {
    check_bit_exact_resume(maker<SGD>(SGDOptions(0.1).momentum(0.9).nesterov(true).lr_in_velocity(true)
                                          .weight_decay(0.05).decoupled_weight_decay(true)),
                           [](Optimizer& o) { return std::make_unique<StepLR>(o, 2, 0.5); });
  }
  SECTION("Adam amsgrad with StepLR") {
    check_bit_exact_resume(maker<Adam>(AdamOptions(0.01).amsgrad(true).weight_decay(0.1)),
                           [](Optimizer& o) { return std::make_unique<StepLR>(o, 2, 0.5); });
  }
  SECTION("AdamW with CosineAnnealingLR") {
    check_bit_exact_resume(maker<AdamW>(AdamWOptions(0.01).weight_decay(0.1)),
                           [](Optimizer& o) { return std::make_unique<CosineAnnealingLR>(o, 6, 1e-4); });
  }
  SECTION("AdamW with LinearWarmup") {
    check_bit_exact_resume(maker<AdamW>(AdamWOptions(0.003)),
                           [](Optimizer& o) { return std::make_unique<LinearWarmup>(o, 0.1, 4); });
  }
}

TEST_CASE("schedulers round trip their position and options", "[optim][state]") {
  auto check = [](const MakeScheduler& make, const MakeScheduler& make_other) {
    SGD a(make_params(), SGDOptions(0.2));
    auto sa = make(a);
    for (int i = 0; i < 3; ++i) sa->step();
    const NamedTensors d = via_file(sa->state_dict());
    SGD b(make_params(), SGDOptions(0.9));  // another base lr: restored from base_lrs
    auto sb = make_other(b);
    sb->load_state_dict(d);
    CHECK(sb->last_step() == 3);
    CHECK(b.lr() == a.lr());  // applied on load
    for (int i = 0; i < 4; ++i) {
      sa->step();
      sb->step();
      CHECK(sb->lr() == sa->lr());
    }
  };
  SECTION("StepLR") {
    check([](Optimizer& o) { return std::make_unique<StepLR>(o, 2, 0.5); },
          [](Optimizer& o) { return std::make_unique<StepLR>(o, 5, 0.9); });
  }
  SECTION("CosineAnnealingLR") {
    check([](Optimizer& o) { return std::make_unique<CosineAnnealingLR>(o, 7, 0.01); },
          [](Optimizer& o) { return std::make_unique<CosineAnnealingLR>(o, 100); });
  }
  SECTION("LinearWarmup") {
    check([](Optimizer& o) { return std::make_unique<LinearWarmup>(o, 0.25, 5); },
          [](Optimizer& o) { return std::make_unique<LinearWarmup>(o, 0.5, 2); });
  }
  SECTION("LambdaLR (the function is code, given again)") {
    check([](Optimizer& o) { return std::make_unique<LambdaLR>(o, warmup_cosine(2, 8)); },
          [](Optimizer& o) { return std::make_unique<LambdaLR>(o, warmup_cosine(2, 8)); });
  }
}

TEST_CASE("SGD state dict saves and restores lr_in_velocity and decoupled_weight_decay", "[optim][state]") {
  std::vector<Tensor> ps = make_params();
  SGD keras(ps, SGDOptions(0.1).momentum(0.9).lr_in_velocity(true).weight_decay(0.01).decoupled_weight_decay(true));
  run_steps(keras, nullptr, ps, 0, 2);
  NamedTensors d = via_file(keras.state_dict());
  CHECK(decode_double(at(d, "param_groups.0.lr_in_velocity")) == 1.0);
  CHECK(decode_double(at(d, "param_groups.0.decoupled_weight_decay")) == 1.0);
  SGD plain(clone_params(ps), SGDOptions(0.1).momentum(0.9));  // PyTorch's forms until loaded
  plain.load_state_dict(d);
  CHECK(plain.options().lr_in_velocity_);
  CHECK(plain.options().decoupled_weight_decay_);
  // A dict saved before the options existed loads them as off.
  SGD back(clone_params(ps), SGDOptions(0.1).momentum(0.9).lr_in_velocity(true).decoupled_weight_decay(true));
  back.load_state_dict(without(without(d, "param_groups.0.lr_in_velocity"), "param_groups.0.decoupled_weight_decay"));
  CHECK_FALSE(back.options().lr_in_velocity_);
  CHECK_FALSE(back.options().decoupled_weight_decay_);
  NamedTensors bad = d;
  at(bad, "param_groups.0.lr_in_velocity") = encode_double(0.5, "v");
  CHECK_THROWS_WITH(plain.load_state_dict(bad),
                    Contains("key 'param_groups.0.lr_in_velocity'") && Contains("expected 0 or 1 (got 0.5)"));
}

TEST_CASE("optimizer load_state_dict names every mismatch and changes nothing", "[optim][state]") {
  std::vector<Tensor> ps = make_params();
  SGD sgd(ps, SGDOptions(0.1).momentum(0.9));
  run_steps(sgd, nullptr, ps, 0, 2);
  const NamedTensors good = sgd.state_dict();

  SGD target(clone_params(ps), SGDOptions(0.3).momentum(0.9));
  auto unchanged = [&] {
    CHECK(target.steps() == 0);
    CHECK(target.lr() == 0.3);
    CHECK_FALSE(target.momentum_buffer(0).defined());
  };
  SECTION("optimizer kind") {
    Adam adam(clone_params(ps), AdamOptions());
    CHECK_THROWS_WITH(adam.load_state_dict(good),
                      Contains("Adam.load_state_dict") && Contains("key 'kind'") && Contains("expected 'Adam'") &&
                          Contains("got 'SGD'"));
    AdamW adamw(clone_params(ps), AdamWOptions());
    Adam adam2(clone_params(ps), AdamOptions());
    run_steps(adam2, nullptr, ps, 0, 1);
    CHECK_THROWS_WITH(adamw.load_state_dict(adam2.state_dict()),
                      Contains("key 'kind'") && Contains("expected 'AdamW'") && Contains("got 'Adam'"));
  }
  SECTION("number of parameters") {
    std::vector<Tensor> two = {ps[0].clone().requires_grad_(), ps[1].clone().requires_grad_()};
    SGD small(two, SGDOptions(0.1).momentum(0.9));
    CHECK_THROWS_WITH(small.load_state_dict(good), Contains("key 'param_groups.0.params'") &&
                                                       Contains("expected 2 parameter(s) in group 0") &&
                                                       Contains("got 3"));
    CHECK(small.steps() == 0);
  }
  SECTION("number of groups") {
    SGD more(clone_params(ps), SGDOptions(0.1).momentum(0.9));
    more.add_param_group({from_vector({1.0f}, {1}).requires_grad_()}, 0.1);
    CHECK_THROWS_WITH(more.load_state_dict(good),
                      Contains("missing key 'param_groups.1.lr'") && Contains("expected 2 parameter group(s) (got 1)"));
    std::vector<Tensor> ps2 = clone_params(ps);
    SGD two(ps2, SGDOptions(0.1).momentum(0.9));
    two.add_param_group({from_vector({1.0f}, {1}).requires_grad_()}, 0.1);
    CHECK_THROWS_WITH(target.load_state_dict(two.state_dict()),
                      Contains("key 'param_groups.1.lr'") && Contains("expected 1 parameter group(s) (got more)"));
    unchanged();
  }
  SECTION("state tensor shape") {
    std::vector<Tensor> reshaped = {from_vector(ps[0].to_vector(), {2, 3}).requires_grad_(), ps[1].clone().requires_grad_(),
                                    ps[2].clone().requires_grad_()};
    SGD other(reshaped, SGDOptions(0.1).momentum(0.9));
    CHECK_THROWS_WITH(other.load_state_dict(good), Contains("key 'state.0.momentum_buffer'") &&
                                                       Contains("expected shape [2, 3]") && Contains("got [3, 2]"));
    CHECK(other.steps() == 0);
  }
  SECTION("missing and unexpected keys") {
    CHECK_THROWS_WITH(target.load_state_dict(without(good, "param_groups.0.momentum")),
                      Contains("missing key 'param_groups.0.momentum'"));
    NamedTensors extra = good;
    extra.emplace_back("state.7.momentum_buffer", zeros({2}));
    CHECK_THROWS_WITH(target.load_state_dict(extra), Contains("unexpected key 'state.7.momentum_buffer'") &&
                                                         Contains("3 parameter(s) in 1 group(s)"));
    unchanged();
  }
  SECTION("buffers that the options rule out") {
    NamedTensors no_momentum = good;
    at(no_momentum, "param_groups.0.momentum") = encode_double(0.0, "m");
    CHECK_THROWS_WITH(target.load_state_dict(no_momentum),
                      Contains("unexpected key 'state.0.momentum_buffer'") && Contains("momentum is 0"));
    NamedTensors bad_nesterov = good;
    at(bad_nesterov, "param_groups.0.nesterov") = encode_double(2.0, "n");
    CHECK_THROWS_WITH(target.load_state_dict(bad_nesterov),
                      Contains("param_groups.0.nesterov") && Contains("expected 0 or 1 (got 2)"));
    unchanged();
  }
  SECTION("scalar encodings and values") {
    NamedTensors float_lr = good;
    at(float_lr, "param_groups.0.lr") = scalar(0.1f);
    CHECK_THROWS_WITH(target.load_state_dict(float_lr),
                      Contains("key 'param_groups.0.lr'") && Contains("expected shape [3]") && Contains("got []"));
    NamedTensors half_step = good;
    at(half_step, "step") = encode_double(2.5, "s");
    CHECK_THROWS_WITH(target.load_state_dict(half_step), Contains("key 'step'") && Contains("whole number"));
    unchanged();
  }
  SECTION("Adam state") {
    Adam adam(ps, AdamOptions(0.01).amsgrad(true));
    run_steps(adam, nullptr, ps, 0, 1);
    const NamedTensors a = adam.state_dict();
    Adam plain(clone_params(ps), AdamOptions(0.01));
    CHECK_THROWS_WITH(plain.load_state_dict(without(a, "state.1.exp_avg_sq")), Contains("missing key 'state.1.exp_avg_sq'"));
    CHECK_THROWS_WITH(plain.load_state_dict(without(a, "state.0.max_exp_avg_sq")),
                      Contains("missing key 'state.0.max_exp_avg_sq'"));
    NamedTensors no_ams = a;
    at(no_ams, "param_groups.0.amsgrad") = encode_double(0.0, "a");
    CHECK_THROWS_WITH(plain.load_state_dict(no_ams),
                      Contains("unexpected key 'state.0.max_exp_avg_sq'") && Contains("amsgrad is off"));
    CHECK_THROWS_WITH(plain.load_state_dict(without(a, "state.0.step")), Contains("unexpected key 'state.0.exp_avg'"));
    NamedTensors bad_betas = a;
    at(bad_betas, "param_groups.0.betas") = encode_double(0.9, "b");
    CHECK_THROWS_WITH(plain.load_state_dict(bad_betas),
                      Contains("key 'param_groups.0.betas'") && Contains("expected shape [2, 3]") && Contains("got [3]"));
    CHECK_FALSE(plain.options().amsgrad_);
    CHECK(plain.steps() == 0);
  }
  SECTION("each group restores its own options") {
    std::vector<Tensor> ps2 = clone_params(ps);
    SGD two(ps2, SGDOptions(0.1).momentum(0.9));
    two.add_param_group({from_vector({1.0f}, {1}).requires_grad_()}, 0.1);
    NamedTensors d = two.state_dict();
    at(d, "param_groups.1.momentum") = encode_double(0.5, "m");
    two.load_state_dict(d);
    CHECK(two.group_options(0).momentum_ == 0.9);
    CHECK(two.group_options(1).momentum_ == 0.5);
    // A flag is read as 0/1 in every group, the bad group's key named (not group 0's).
    NamedTensors n = two.state_dict();
    at(n, "param_groups.1.nesterov") = encode_double(2.0, "n");
    CHECK_THROWS_WITH(two.load_state_dict(n),
                      Contains("key 'param_groups.1.nesterov'") && Contains("expected 0 or 1 (got 2)"));
    Adam adam2(clone_params(ps), AdamOptions(0.01));
    adam2.add_param_group({from_vector({1.0f}, {1}).requires_grad_()}, 0.1);
    NamedTensors a = adam2.state_dict();
    at(a, "param_groups.1.amsgrad") = encode_double(1.0, "a");
    // Group 1 now has amsgrad but its parameter's saved state lacks max_exp_avg_sq only once
    // it was updated; never updated here, so the dict loads and group 1 turns amsgrad on.
    adam2.load_state_dict(a);
    CHECK_FALSE(adam2.group_options(0).amsgrad_);
    CHECK(adam2.group_options(1).amsgrad_);
  }
}

TEST_CASE("scheduler load_state_dict names every mismatch", "[optim][state]") {
  SGD opt(make_params(), SGDOptions(0.1));
  StepLR step(opt, 2);
  step.step();
  const NamedTensors d = step.state_dict();
  SGD other(make_params(), SGDOptions(0.1));
  CosineAnnealingLR cos(other, 10);
  CHECK_THROWS_WITH(cos.load_state_dict(d), Contains("CosineAnnealingLR.load_state_dict") && Contains("key 'kind'") &&
                                                Contains("expected 'CosineAnnealingLR'") && Contains("got 'StepLR'"));
  CHECK(cos.last_step() == 0);
  SGD groups(make_params(), SGDOptions(0.1));
  groups.add_param_group({from_vector({1.0f}, {1}).requires_grad_()}, 0.2);
  StepLR two(groups, 2);
  CHECK_THROWS_WITH(two.load_state_dict(d), Contains("key 'base_lrs'") && Contains("expected shape [2, 3]") &&
                                                Contains("got [1, 3]"));
  CHECK_THROWS_WITH(two.load_state_dict(without(d, "last_epoch")), Contains("missing key 'last_epoch'"));
  NamedTensors zero_size = d;
  at(zero_size, "step_size") = encode_double(0.0, "s");
  StepLR same(other, 3);
  CHECK_THROWS_WITH(same.load_state_dict(zero_size), Contains("key 'step_size'") && Contains("[1, "));
  NamedTensors extra = d;
  extra.emplace_back("T_max", encode_double(3.0, "t"));
  CHECK_THROWS_WITH(same.load_state_dict(extra), Contains("unexpected key 'T_max'"));
  CHECK(same.last_step() == 0);
}
