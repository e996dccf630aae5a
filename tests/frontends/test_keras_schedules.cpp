// keras::optimizers::schedules against Keras 3's formulas: CosineDecay (with and without
// its linear warm-up), ExponentialDecay, PiecewiseConstantDecay; golden values from
// PyTorch 1.13's schedulers where the same curve exists (CosineAnnealingLR, ExponentialLR,
// StepLR), the rest computed by hand from the documented formula. Also: the optimizer
// evaluates its schedule before every step at iterations = 0, 1, 2, ... across fit() calls.
#include <catch2/catch.hpp>

#include <janus/core/error.h>
#include <janus/keras/keras.h>

#include <cmath>
#include <memory>
#include <vector>

#include "keras_models.h"

using namespace janus;
namespace kl = janus::keras::layers;
namespace sch = janus::keras::optimizers::schedules;
using keras::FitOptions;
using keras::Sequential;

TEST_CASE("keras CosineDecay without warm-up is torch CosineAnnealingLR with eta_min alpha lr", "[keras][schedules]") {
  // torch: CosineAnnealingLR(SGD(lr=0.1), T_max=10, eta_min=0.01), lr before steps 0..10.
  const std::vector<double> torch_lr = {0.1, 0.09779754323328191, 0.09140576474687262, 0.08145033635316126,
                                        0.0689057647468726, 0.05499999999999997, 0.04109423525312735,
                                        0.028549663646838704, 0.018594235253127367, 0.012202456766718092,
                                        0.010000000000000002};
  const sch::CosineDecay cd = sch::CosineDecay(0.1, 10).alpha(0.1);
  for (int64_t s = 0; s <= 10; ++s) CHECK(cd(s) == Approx(torch_lr[s]).epsilon(1e-12));
  // Keras clamps the step at decay_steps: alpha * initial for ever after.
  CHECK(cd(11) == Approx(0.01).epsilon(1e-12));
  CHECK(cd(1000) == Approx(0.01).epsilon(1e-12));
}

TEST_CASE("keras CosineDecay warm-up is a line from initial to warmup_target then cosine", "[keras][schedules]") {
  // Warm-up: initial + (target - initial) step / warmup_steps, from step 0.
  const sch::CosineDecay cd = sch::CosineDecay(0.01, 10).warmup_target(0.1).warmup_steps(5);
  CHECK(cd(0) == Approx(0.01).epsilon(1e-12));
  CHECK(cd(2) == Approx(0.01 + 0.09 * 2.0 / 5.0).epsilon(1e-12));  // 0.046
  CHECK(cd(4) == Approx(0.01 + 0.09 * 4.0 / 5.0).epsilon(1e-12));  // 0.082
  // Then the decay from warmup_target over step - warmup_steps: torch's
  // CosineAnnealingLR(lr=0.1, T_max=10, eta_min=0) at steps 0..10.
  const std::vector<double> torch_lr = {0.1, 0.09755282581475769, 0.09045084971874738, 0.07938926261462367,
                                        0.06545084971874739, 0.05000000000000001, 0.03454915028125264,
                                        0.020610737385376353, 0.009549150281252635, 0.002447174185242324, 0.0};
  for (int64_t k = 0; k <= 10; ++k) CHECK(cd(5 + k) == Approx(torch_lr[k]).margin(1e-15).epsilon(1e-12));
  CHECK(cd(40) == Approx(0.0).margin(1e-15));  // clamped at warmup_steps + decay_steps
  // The usual Keras form: warm up from 0.
  const sch::CosineDecay from_zero = sch::CosineDecay(0.0, 100).warmup_target(0.2).warmup_steps(4);
  CHECK(from_zero(0) == 0.0);
  CHECK(from_zero(1) == Approx(0.05).epsilon(1e-12));
  CHECK(from_zero(4) == Approx(0.2).epsilon(1e-12));
  // warmup_target without warmup_steps: the decay starts from warmup_target at once.
  CHECK(sch::CosineDecay(0.5, 10).warmup_target(0.1)(0) == Approx(0.1).epsilon(1e-12));
}

TEST_CASE("keras ExponentialDecay matches torch ExponentialLR and StepLR", "[keras][schedules]") {
  // torch: ExponentialLR(lr=0.1, gamma=0.5 ** (1/4)) is 0.1 * 0.5^(step/4).
  const std::vector<double> torch_exp = {0.1, 0.08408964152537146, 0.07071067811865475, 0.05946035575013605,
                                         0.049999999999999996, 0.042044820762685724, 0.03535533905932737,
                                         0.029730177875068018};
  const sch::ExponentialDecay ed(0.1, 4, 0.5);
  for (int64_t s = 0; s < 8; ++s) CHECK(ed(s) == Approx(torch_exp[s]).epsilon(1e-12));
  // staircase: torch StepLR(lr=0.1, step_size=3, gamma=0.5).
  const std::vector<double> torch_step = {0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025};
  const sch::ExponentialDecay stair = sch::ExponentialDecay(0.1, 3, 0.5).staircase(true);
  for (int64_t s = 0; s < 8; ++s) CHECK(stair(s) == Approx(torch_step[s]).epsilon(1e-12));
}

TEST_CASE("keras PiecewiseConstantDecay includes each boundary in the interval it closes", "[keras][schedules]") {
  const sch::PiecewiseConstantDecay pc({2, 5}, {1.0, 0.5, 0.1});
  const std::vector<double> want = {1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.1, 0.1};
  for (int64_t s = 0; s < 8; ++s) CHECK(pc(s) == want[s]);
  CHECK(sch::PiecewiseConstantDecay({}, {0.3})(7) == 0.3);
}

TEST_CASE("keras schedules reject bad arguments with janus Error", "[keras][schedules]") {
  CHECK_THROWS_AS(sch::CosineDecay(0.1, -5), Error);
  CHECK_THROWS_AS(sch::CosineDecay(0.1, 0), Error);
  CHECK_THROWS_WITH(sch::CosineDecay(0.1, -5), Catch::Contains("decay_steps must be > 0 (got -5)"));
  CHECK_THROWS_AS(sch::CosineDecay(0.1, 10).warmup_steps(-1), Error);
  CHECK_THROWS_AS(sch::ExponentialDecay(0.1, 0, 0.5), Error);
  CHECK_THROWS_WITH(sch::ExponentialDecay(0.1, 2, 0.0), Catch::Contains("decay_rate must be > 0 (got 0)"));
  CHECK_THROWS_AS(sch::ExponentialDecay(0.1, 2, -0.5), Error);
  CHECK_THROWS_AS(sch::PiecewiseConstantDecay({1, 2}, {1.0, 0.5}), Error);
  CHECK_THROWS_AS(sch::PiecewiseConstantDecay({5, 2}, {1.0, 0.5, 0.1}), Error);
}

using janus::testing::kernel;
using janus::testing::linear_model;

TEST_CASE("keras optimizer evaluates its schedule at iterations before every step", "[keras][schedules]") {
  Sequential model = linear_model();
  // lr 0.1 for the update at iterations 0, 0 from then on.
  model.compile(keras::optimizers::SGD(sch::PiecewiseConstantDecay({0}, {0.1, 0.0})), "mse");
  const Tensor x = from_vector({1, 2}, {1, 2}), y = zeros({1, 1});
  model.fit(x, y, FitOptions().epochs(1).batch_size(1).verbose(0));
  const std::vector<float> after_one = kernel(model);
  CHECK(after_one[0] == Approx(0.5 - 0.1 * 2).epsilon(1e-6));
  CHECK(after_one[1] == Approx(0.25 - 0.1 * 4).epsilon(1e-6));
  CHECK(model.compiled_optimizer().iterations() == 1);
  model.fit(x, y, FitOptions().epochs(3).batch_size(1).verbose(0));  // lr 0: nothing moves
  CHECK(kernel(model) == after_one);
  CHECK(model.compiled_optimizer().iterations() == 4);

  // The rate each update used is 0.01 0.5^(iterations / 2), iterations counting on across
  // fit(): read from the core optimizer after the step, with the weights, and both checked
  // against an independent computation (the formula and Keras' SGD rule, by hand).
  struct Recorder : keras::callbacks::Callback {
    std::vector<double> lrs;
    std::vector<std::vector<float>> weights;
    void on_train_batch_end(int, const keras::Logs&) override {
      lrs.push_back(model_->optimizer().lr());
      weights.push_back(kernel(*model_));
    }
  };
  Sequential m2 = linear_model();
  m2.compile(keras::optimizers::SGD(sch::ExponentialDecay(0.01, 2, 0.5)).momentum(0.9), "mse");
  auto rec = std::make_shared<Recorder>();
  const Tensor x3 = from_vector({1, 2, 0, 1, 2, 0}, {3, 2}), y3 = zeros({3, 1});
  m2.fit(x3, y3, FitOptions().epochs(1).batch_size(1).shuffle(false).verbose(0).callbacks({rec}));
  m2.fit(x3, y3, FitOptions().epochs(1).batch_size(1).shuffle(false).verbose(0).callbacks({rec}));
  REQUIRE(rec->lrs.size() == 6);
  const double rows[3][2] = {{1, 2}, {0, 1}, {2, 0}};
  double w[2] = {0.5, 0.25}, v[2] = {0.0, 0.0};
  for (int s = 0; s < 6; ++s) {
    INFO("step " << s);
    const double lr = 0.01 * std::pow(0.5, s / 2.0);
    CHECK(rec->lrs[s] == Approx(lr).epsilon(1e-12));
    // mse against 0 on one row: g = 2 (w . x) x; Keras SGD: v = 0.9 v - lr g; w += v.
    const double* x = rows[s % 3];
    const double out = w[0] * x[0] + w[1] * x[1];
    for (int i = 0; i < 2; ++i) {
      v[i] = 0.9 * v[i] - lr * 2.0 * out * x[i];
      w[i] += v[i];
    }
    CHECK(rec->weights[s][0] == Approx(w[0]).margin(1e-6));
    CHECK(rec->weights[s][1] == Approx(w[1]).margin(1e-6));
  }
}

TEST_CASE("keras optimizers take a shared schedule handle", "[keras][schedules]") {
  // A std::shared_ptr<CosineDecay> converts to the learning rate directly (compile-time use).
  auto cosine = std::make_shared<sch::CosineDecay>(0.1, 10);
  const keras::optimizers::SGD sgd(cosine);
  const keras::optimizers::Adam adam(std::make_shared<sch::ExponentialDecay>(0.01, 2, 0.5));
  CHECK(sgd.learning_rate_.is_schedule());
  CHECK(sgd.learning_rate_.at(5) == (*cosine)(5));
  CHECK(adam.learning_rate_.at(2) == Approx(0.005).epsilon(1e-12));
  Sequential model = linear_model();
  model.compile(keras::optimizers::SGD(cosine), "mse");
  CHECK(model.compiled_optimizer().has_schedule());
  CHECK(model.compiled_optimizer().learning_rate() == 0.1);
}

TEST_CASE("keras LearningRateScheduler cannot set a scheduled learning rate", "[keras][schedules]") {
  Sequential model = linear_model();
  model.compile(keras::optimizers::SGD(sch::CosineDecay(0.1, 10)), "mse");
  auto cb = std::make_shared<keras::callbacks::LearningRateScheduler>([](int, double lr) { return lr; });
  CHECK_THROWS_AS(model.fit(from_vector({1, 2}, {1, 2}), zeros({1, 1}), FitOptions().verbose(0).callbacks({cb})),
                  Error);
  CHECK_THROWS_AS(model.compiled_optimizer().set_learning_rate(0.5), Error);
}
