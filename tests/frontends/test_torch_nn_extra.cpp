// The torch frontend's newer pieces: nn::init's normal_/xavier_*/kaiming_normal_/constant_
// (moments and bounds from torch's formulas), Identity, LeakyReLU, Softmax, Dropout2d,
// ModuleDict (reprs as torch 1.13 prints them, gradchecks), the losses NLLLoss,
// CrossEntropyLoss and BCEWithLogitsLoss with weight / ignore_index / reduction /
// label_smoothing / pos_weight against PyTorch (tests/golden/gen_losses_torch.py),
// nn::utils::clip_grad_norm_ / clip_grad_value_ (tests/golden/gen_optim_extra.py), and the
// names torch.h must reach (manual_seed, NoGradGuard, save_state_dict).
#include <catch2/catch.hpp>

#include <janus/core/random.h>
#include <janus/torch/torch.h>

#include <close.h>
#include <fixtures.h>
#include <gradcheck.h>

#include <cmath>
#include <limits>

using namespace janus;
namespace tnn = janus::torch::nn;
using janus::testing::Fixture;
using janus::testing::gradcheck;
using janus::testing::require_close;

namespace {

struct Moments {
  double mean = 0, std = 0, max_abs = 0;
};

Moments moments(const Tensor& t) {
  Moments m;
  for (float v : t.to_vector()) m.mean += v, m.max_abs = std::max(m.max_abs, std::fabs(double(v)));
  m.mean /= t.numel();
  for (float v : t.to_vector()) m.std += (v - m.mean) * (v - m.mean);
  m.std = std::sqrt(m.std / t.numel());
  return m;
}

void check_grad(const testing::GradcheckFn& fn, const std::vector<Tensor>& inputs) {
  const auto r = gradcheck(fn, inputs);
  INFO(r.message);
  CHECK(r.ok);
  CHECK(r.checked > 0);
}

}  // namespace

TEST_CASE("nn::init functions follow torch's formulas", "[torch][init]") {
  // 64 x 32 x 5 x 5: fan_in 800, fan_out 1600, 51200 draws; a sample std is within
  // 3 / sqrt(2 n) ~ 1% of the true one, the mean within 3 std / sqrt(n).
  Generator gen(5);
  Tensor w = empty({64, 32, 5, 5});
  const double n = 51200, fan_in = 800, fan_out = 1600;
  auto check_normal = [&](double want_std, const char* what) {
    const Moments m = moments(w);
    INFO(what << ": mean " << m.mean << " std " << m.std << " want " << want_std);
    CHECK(std::fabs(m.mean) < 3 * want_std / std::sqrt(n));
    CHECK(std::fabs(m.std / want_std - 1) < 0.02);
  };
  tnn::init::normal_(w, 0.5, 2.0, &gen);
  CHECK(std::fabs(moments(w).mean - 0.5) < 0.05);
  CHECK(std::fabs(moments(w).std / 2.0 - 1) < 0.02);
  tnn::init::xavier_normal_(w, 1.0, &gen);
  check_normal(std::sqrt(2.0 / (fan_in + fan_out)), "xavier_normal_");
  tnn::init::kaiming_normal_(w, 0.0, "fan_in", "leaky_relu", &gen);  // torch's defaults
  check_normal(std::sqrt(2.0) / std::sqrt(fan_in), "kaiming_normal_ fan_in");
  tnn::init::kaiming_normal_(w, 0.0, "fan_out", "relu", &gen);
  check_normal(std::sqrt(2.0) / std::sqrt(fan_out), "kaiming_normal_ fan_out relu");
  tnn::init::kaiming_normal_(w, 0.2, "fan_in", "leaky_relu", &gen);
  check_normal(std::sqrt(2.0 / 1.04) / std::sqrt(fan_in), "kaiming_normal_ a=0.2");
  tnn::init::xavier_uniform_(w, 2.0, &gen);
  const double bound = 2.0 * std::sqrt(6.0 / (fan_in + fan_out));
  CHECK(moments(w).max_abs <= bound);
  CHECK(moments(w).max_abs > 0.99 * bound);
  check_normal(bound / std::sqrt(3.0), "xavier_uniform_");
  tnn::init::constant_(w, 0.25f);
  CHECK(moments(w).mean == Approx(0.25));
  CHECK(moments(w).std == 0.0);
  CHECK(tnn::init::calculate_gain("tanh") == Approx(5.0 / 3.0));
  CHECK(tnn::init::calculate_gain("leaky_relu") == Approx(std::sqrt(2.0 / (1 + 0.01 * 0.01))));
  CHECK(tnn::init::calculate_gain("selu") == Approx(0.75));
  CHECK_THROWS_WITH(tnn::init::kaiming_normal_(w, 0.0, "fan_middle"), Catch::Contains("mode must be"));
  CHECK_THROWS_WITH(tnn::init::calculate_gain("swish"), Catch::Contains("unsupported nonlinearity"));
  Tensor v = empty({3});
  CHECK_THROWS_WITH(tnn::init::xavier_uniform_(v), Catch::Contains("fewer than 2 axes"));
}

TEST_CASE("Identity, LeakyReLU, Softmax, Dropout2d behave and print as torch's", "[torch][layers]") {
  CHECK(tnn::Identity().repr() == "Identity()");
  CHECK(tnn::LeakyReLU().repr() == "LeakyReLU(negative_slope=0.01)");
  CHECK(tnn::LeakyReLU(0.2).repr() == "LeakyReLU(negative_slope=0.2)");
  CHECK(tnn::Softmax(1).repr() == "Softmax(dim=1)");
  CHECK(tnn::Dropout2d().repr() == "Dropout2d(p=0.5, inplace=False)");
  const Tensor x = from_vector({-2, -0.5f, 0, 3}, {2, 2});
  CHECK(tnn::Identity()(x).to_vector() == x.to_vector());
  CHECK(tnn::LeakyReLU(0.1)(x).to_vector() == std::vector<float>{-0.2f, -0.05f, 0, 3});
  const Tensor s = tnn::Softmax(1)(x);
  CHECK(s.sum(1).to_vector()[0] == Approx(1.0f));
  Generator gen(3);
  check_grad([](const std::vector<Tensor>& in) { return leaky_relu(in[0], 0.2f); }, {randn({3, 4}, &gen)});
  // Dropout2d zeroes whole channels in training and scales the rest by 1 / (1 - p).
  tnn::Dropout2d drop(0.5, &gen);
  const Tensor y = drop(ones({4, 8, 3, 3}));
  int zero_planes = 0;
  for (int64_t p = 0; p < 32; ++p) {
    const float first = y.data()[p * 9];
    for (int64_t i = 0; i < 9; ++i) CHECK(y.data()[p * 9 + i] == first);
    CHECK((first == 0.0f || first == 2.0f));
    zero_planes += first == 0.0f;
  }
  CHECK(zero_planes > 4);
  CHECK(zero_planes < 28);
  drop.eval();
  CHECK(drop(ones({2, 3, 2, 2})).to_vector() == ones({2, 3, 2, 2}).to_vector());
  CHECK_THROWS_WITH(tnn::Dropout2d(1.5), Catch::Contains("expected 0 <= p <= 1"));
  CHECK_THROWS_WITH(tnn::Dropout2d(0.5)(ones({2, 3})), Catch::Contains("expected 3-D (C, H, W) or 4-D"));
  // The mask is saved: backward multiplies by the same planes (a fixed generator per call).
  check_grad([](const std::vector<Tensor>& in) {
    Generator g(9);
    return dropout2d(in[0], 0.5f, true, &g);
  }, {randn({2, 3, 2, 2}, &gen)});
}

TEST_CASE("ModuleDict registers modules by key and prints like torch", "[torch][layers]") {
  tnn::ModuleDict d({{"act", std::make_shared<tnn::ReLU>()}, {"fc", std::make_shared<tnn::Linear>(2, 3)}});
  d.insert("drop", std::make_shared<tnn::Dropout>(0.1));
  CHECK(d.repr() == "ModuleDict(\n  (act): ReLU()\n  (fc): Linear(in_features=2, out_features=3, bias=True)\n"
                    "  (drop): Dropout(p=0.1, inplace=False)\n)");
  CHECK(d.size() == 3);
  CHECK(d.contains("fc"));
  CHECK_FALSE(d.contains("conv"));
  CHECK(d.keys() == std::vector<std::string>{"act", "fc", "drop"});
  CHECK((*d["fc"])(ones({1, 2})).shape() == Shape{1, 3});
  CHECK(d.named_parameters()[0].first == "fc.weight");
  CHECK_THROWS_WITH(d["conv"], Catch::Contains("ModuleDict: no module named 'conv'"));
  CHECK_THROWS_WITH(d.insert("fc", std::make_shared<tnn::ReLU>()), Catch::Contains("fc"));
}

TEST_CASE("NLLLoss, CrossEntropyLoss and BCEWithLogitsLoss with options match PyTorch", "[torch][loss]") {
  const Fixture f = Fixture::load("losses_torch.json");
  auto weight_of = [&](const std::string& name, const char* key) {
    return f.has_tensor(name + "." + key) ? f.tensor(name + "." + key) : Tensor();
  };
  auto check = [&](const std::string& name, const std::function<Tensor(const Tensor&, const Tensor&)>& loss) {
    INFO("case " << name);
    Tensor x = f.tensor(name + ".x").requires_grad_();
    Tensor l = loss(x, f.tensor(name + ".target"));
    // float32 log-softmax and sums over <= 24 terms of order 1: 1e-5 relative.
    require_close(l.dim() == 0 ? l : l, f.tensor(name + ".loss"), name + " loss", 1e-5f, 1e-6f);
    l.backward(f.tensor(name + ".dy"));
    require_close(x.grad(), f.tensor(name + ".dx"), name + " dx", 1e-5f, 1e-6f);
  };
  check("nll_mean", [](const Tensor& x, const Tensor& t) { return tnn::NLLLoss()(x, t); });
  check("nll_weight_ignore", [&](const Tensor& x, const Tensor& t) {
    return tnn::NLLLoss(tnn::NLLLossOptions().weight(weight_of("nll_weight_ignore", "weight")))(x, t);
  });
  check("nll_sum_ignore2", [](const Tensor& x, const Tensor& t) {
    return tnn::NLLLoss(tnn::NLLLossOptions().ignore_index(2).reduction("sum"))(x, t);
  });
  check("nll_none_weight", [&](const Tensor& x, const Tensor& t) {
    return tnn::NLLLoss(tnn::NLLLossOptions().weight(weight_of("nll_none_weight", "weight")).reduction("none"))(x, t);
  });
  check("ce_weight", [&](const Tensor& x, const Tensor& t) {
    return tnn::CrossEntropyLoss(tnn::CrossEntropyLossOptions().weight(weight_of("ce_weight", "weight")))(x, t);
  });
  check("ce_ignore_sum", [](const Tensor& x, const Tensor& t) {
    return tnn::CrossEntropyLoss(tnn::CrossEntropyLossOptions().reduction("sum"))(x, t);
  });
  check("ce_none", [](const Tensor& x, const Tensor& t) {
    return tnn::CrossEntropyLoss(tnn::CrossEntropyLossOptions().reduction("none"))(x, t);
  });
  check("ce_smooth_weight_ignore", [&](const Tensor& x, const Tensor& t) {
    return tnn::CrossEntropyLoss(
        tnn::CrossEntropyLossOptions().weight(weight_of("ce_smooth_weight_ignore", "weight")).label_smoothing(0.2))(x, t);
  });
  check("ce_smooth_ignore_mean", [](const Tensor& x, const Tensor& t) {
    return tnn::CrossEntropyLoss(tnn::CrossEntropyLossOptions().label_smoothing(0.1))(x, t);
  });
  check("ce_smooth_none", [](const Tensor& x, const Tensor& t) {
    return tnn::CrossEntropyLoss(tnn::CrossEntropyLossOptions().label_smoothing(0.3).reduction("none"))(x, t);
  });
  check("bce_mean", [](const Tensor& x, const Tensor& t) { return tnn::BCEWithLogitsLoss()(x, t); });
  check("bce_pos_weight", [&](const Tensor& x, const Tensor& t) {
    return tnn::BCEWithLogitsLoss(tnn::BCEWithLogitsLossOptions().pos_weight(weight_of("bce_pos_weight", "pos_weight")))(x, t);
  });
  check("bce_weight_sum", [&](const Tensor& x, const Tensor& t) {
    return tnn::BCEWithLogitsLoss(
        tnn::BCEWithLogitsLossOptions().weight(weight_of("bce_weight_sum", "weight")).reduction("sum"))(x, t);
  });
  check("bce_none_both", [&](const Tensor& x, const Tensor& t) {
    return tnn::BCEWithLogitsLoss(tnn::BCEWithLogitsLossOptions()
                                      .weight(weight_of("bce_none_both", "weight"))
                                      .pos_weight(weight_of("bce_none_both", "pos_weight"))
                                      .reduction("none"))(x, t);
  });
  CHECK_THROWS_WITH(tnn::NLLLoss(tnn::NLLLossOptions().reduction("avg"))(zeros({2, 3}), zeros({2})),
                    Catch::Contains("reduction must be \"none\", \"mean\" or \"sum\""));
  CHECK_THROWS_WITH(tnn::NLLLoss()(zeros({2, 3}), from_vector({0, 3}, {2})), Catch::Contains("out of range for 3 classes"));
  CHECK_THROWS_WITH(tnn::BCEWithLogitsLoss()(zeros({2, 3}), zeros({3, 2})), Catch::Contains("must have the logits' shape"));
  CHECK(std::isnan(tnn::NLLLoss(tnn::NLLLossOptions().ignore_index(0))(zeros({1, 2}), zeros({1})).item()));
}

TEST_CASE("the new losses pass gradcheck", "[torch][loss][gradcheck]") {
  Generator gen(8);
  const Tensor labels = from_vector({1, 0, 2, 1}, {4});
  const Tensor w = from_vector({0.5f, 2.0f, 1.0f}, {3});
  check_grad([&](const std::vector<Tensor>& in) {
    return tnn::CrossEntropyLoss(tnn::CrossEntropyLossOptions().weight(w).label_smoothing(0.2).ignore_index(0))(in[0], labels);
  }, {randn({4, 3}, &gen)});
  check_grad([&](const std::vector<Tensor>& in) {
    return tnn::NLLLoss(tnn::NLLLossOptions().weight(w).reduction("none"))(in[0], labels);
  }, {randn({4, 3}, &gen)});
  const Tensor t = from_vector({1, 0, 0, 1, 1, 0}, {2, 3});
  check_grad([&](const std::vector<Tensor>& in) {
    return tnn::BCEWithLogitsLoss(tnn::BCEWithLogitsLossOptions().pos_weight(from_vector({2, 1, 0.5f}, {3})))(in[0], t);
  }, {randn({2, 3}, &gen)});
}

TEST_CASE("clip_grad_norm_ and clip_grad_value_ match PyTorch", "[torch][clip]") {
  const Fixture f = Fixture::load("optim_extra.json");
  auto params = [&] {
    std::vector<Tensor> ps = {f.tensor("init.p0").requires_grad_(), f.tensor("init.p1").requires_grad_()};
    ps[0].set_grad(f.tensor("grad.step0.p0"));
    ps[1].set_grad(f.tensor("grad.step0.p1"));
    return ps;
  };
  const double inf = std::numeric_limits<double>::infinity();
  for (const auto& [name, norm_type, max_norm] : std::vector<std::tuple<std::string, double, double>>{
           {"norm2", 2.0, 1.5}, {"norm1", 1.0, 4.0}, {"norminf", inf, 0.5}, {"norm2_noop", 2.0, 1e3}}) {
    INFO(name);
    std::vector<Tensor> ps = params();
    const Tensor total = tnn::utils::clip_grad_norm_(ps, max_norm, norm_type);
    CHECK(total.dim() == 0);
    CHECK(total.item() == Approx(f.value("clip." + name + ".total")).epsilon(1e-6));
    require_close(ps[0].grad(), f.tensor("clip." + name + ".g0"), name + " g0");
    require_close(ps[1].grad(), f.tensor("clip." + name + ".g1"), name + " g1");
  }
  std::vector<Tensor> ps = params();
  tnn::utils::clip_grad_value_(ps, 0.7);
  require_close(ps[0].grad(), f.tensor("clip.value.g0"), "value g0", 0, 0);
  std::vector<Tensor> none = {zeros({2}).requires_grad_()};
  CHECK(tnn::utils::clip_grad_norm_(none, 1.0).item() == 0.0f);  // no gradients: 0, as torch
  std::vector<Tensor> bad = params();
  bad[0].grad().data()[0] = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_WITH(tnn::utils::clip_grad_norm_(bad, 1.0, 2.0, /*error_if_nonfinite=*/true),
                    Catch::Contains("non-finite"));
}

TEST_CASE("torch.h reaches manual_seed, NoGradGuard and the state-dict helpers", "[torch]") {
  janus::torch::manual_seed(42);
  const Tensor a = randn({3});
  janus::torch::manual_seed(42);
  CHECK(randn({3}).to_vector() == a.to_vector());
  Tensor w = ones({2}).requires_grad_();
  {
    janus::torch::NoGradGuard no_grad;
    CHECK_FALSE((w * 2.0f).requires_grad());
  }
  CHECK((w * 2.0f).requires_grad());
  // nn::save_state_dict / load_state_dict come with torch.h (they needed layers/checkpoint.h).
  auto net = std::make_shared<tnn::Linear>(2, 2);
  const std::string path = "janus_test_torch_h_state.safetensors";
  tnn::save_state_dict(*net, path);
  auto other = std::make_shared<tnn::Linear>(2, 2);
  tnn::load_state_dict(*other, path);
  CHECK(other->weight.to_vector() == net->weight.to_vector());
  std::remove(path.c_str());
}
