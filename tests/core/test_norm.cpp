// The "normalize" op beyond the golden cases: Keras conventions from Keras' documented
// formulas, frozen statistics, the fused ReLU, fused kernel vs the teaching version in every
// preset and mode, gradient checks, and the error messages.
#include <catch2/catch.hpp>
#include <close.h>

#include <janus/core/autograd.h>
#include <janus/core/ops/elementwise.h>
#include <janus/core/ops/norm.h>
#include <janus/core/parallel.h>
#include <janus/core/random.h>

#include <cmath>
#include <limits>

#include "gradcheck.h"

using namespace janus;
using namespace janus::testing;  // close.h
using janus::testing::gradcheck;

namespace {

struct Preset {
  const char* name;
  NormOptions options;
  Shape x_shape;
  Shape affine_shape;  // empty: no affine
  bool running;        // keeps running statistics
};

std::vector<Preset> presets() {
  return {
      {"torch batch norm 2d", NormOptions::torch_batch_norm(), {3, 2, 3, 3}, {2}, true},
      {"torch batch norm 1d", NormOptions::torch_batch_norm(), {5, 3}, {3}, true},
      {"torch batch norm cumulative", NormOptions::torch_batch_norm().cumulative(true), {3, 2, 2, 2}, {2}, true},
      {"keras batch norm", NormOptions::keras_batch_norm(), {3, 2, 3, 3}, {2}, true},
      {"keras frozen batch norm", NormOptions::keras_batch_norm().stats(StatsSource::running), {3, 2, 2, 2}, {2}, true},
      {"batch norm relu", NormOptions::torch_batch_norm().relu(true), {4, 2, 3, 3}, {2}, true},
      {"instance norm tracking", NormOptions::torch_instance_norm(), {2, 3, 3, 3}, {}, true},
      {"instance norm affine", NormOptions::torch_instance_norm(), {2, 3, 3, 3}, {3}, false},
      {"group norm 2", NormOptions::torch_group_norm(2), {2, 4, 2, 3}, {4}, false},
      {"layer norm", NormOptions::torch_layer_norm(2), {3, 2, 3, 4}, {3, 4}, false},
      {"keras layer norm", NormOptions::keras_layer_norm(), {4, 6}, {6}, false},
      {"seed keras per-channel", NormOptions::seed_keras_per_channel(), {2, 3, 3, 3}, {}, false},
      {"seed torch per-channel", NormOptions::seed_torch_per_channel(), {2, 3, 3, 3}, {}, false},
  };
}

Tensor running_var_init(int64_t c, Generator& gen) { return uniform({c}, 0.5f, 2.0f, &gen); }

}  // namespace

TEST_CASE("fused kernel and teaching version agree in every preset and mode", "[norm]") {
  Generator gen(11);
  for (const Preset& p : presets()) {
    for (bool training : {true, false}) {
      DYNAMIC_SECTION(p.name << (training ? " training" : " inference")) {
        const Tensor x = normal(p.x_shape, 0.5f, 2.0f, &gen);
        const Tensor w = p.affine_shape.empty() ? Tensor() : uniform(p.affine_shape, 0.5f, 1.5f, &gen);
        const Tensor b = p.affine_shape.empty() ? Tensor() : normal(p.affine_shape, 0.0f, 0.5f, &gen);
        const int64_t c = p.x_shape[1];
        const Tensor rm0 = p.running ? normal({c}, 0.0f, 0.5f, &gen) : Tensor();
        const Tensor rv0 = p.running ? running_var_init(c, gen) : Tensor();
        const Tensor dy = randn(p.x_shape, &gen);
        std::vector<Tensor> results[2];
        Tensor buffers[2][3];
        for (int impl = 0; impl < 2; ++impl) {
          Tensor xg = x.clone().requires_grad_(), wg = w.defined() ? w.clone().requires_grad_() : Tensor();
          Tensor bg = b.defined() ? b.clone().requires_grad_() : Tensor();
          Tensor rm = p.running ? rm0.clone() : Tensor(), rv = p.running ? rv0.clone() : Tensor();
          Tensor nbt = p.running ? full({1}, 4.0f) : Tensor();
          Tensor y = impl == 0 ? normalize(xg, wg, bg, rm, rv, nbt, p.options, training)
                               : normalize_reference(xg, wg, bg, rm, rv, nbt, p.options, training);
          y.backward(dy);
          results[impl] = {y, xg.grad()};
          if (wg.defined()) results[impl].push_back(wg.grad());
          if (bg.defined()) results[impl].push_back(bg.grad());
          buffers[impl][0] = rm, buffers[impl][1] = rv, buffers[impl][2] = nbt;
        }
        for (size_t i = 0; i < results[0].size(); ++i) {
          INFO("output/gradient " << i << ": max |diff| " << max_abs_diff(results[0][i], results[1][i]));
          CHECK(allclose(results[0][i], results[1][i], 1e-4f, 1e-4f));
        }
        if (p.running) {
          for (int k = 0; k < 3; ++k) CHECK(allclose(buffers[0][k], buffers[1][k], 1e-6f, 1e-6f));
          const bool updated = training && p.options.stats_ == StatsSource::auto_;
          CHECK((max_abs_diff(buffers[0][0], rm0) > 0.0f) == updated);
          CHECK(buffers[0][2].item() == (updated ? 5.0f : 4.0f));
        }
      }
    }
  }
}

TEST_CASE("gradcheck every preset in training and inference", "[norm]") {
  Generator gen(5);
  for (const Preset& p : presets()) {
    for (bool training : {true, false}) {
      DYNAMIC_SECTION(p.name << (training ? " training" : " inference")) {
        std::vector<Tensor> inputs{normal(p.x_shape, 0.3f, 1.5f, &gen)};
        if (!p.affine_shape.empty()) {
          inputs.push_back(uniform(p.affine_shape, 0.5f, 1.5f, &gen));
          inputs.push_back(normal(p.affine_shape, 0.0f, 0.5f, &gen));
        }
        const int64_t c = p.x_shape[1];
        const Tensor rm0 = p.running ? normal({c}, 0.0f, 0.5f, &gen) : Tensor();
        const Tensor rv0 = p.running ? running_var_init(c, gen) : Tensor();
        if (p.options.relu_) {
          // Redraw x until no pre-ReLU value sits within 0.01 of the kink, where finite
          // differences are meaningless.
          NormOptions plain = p.options;
          plain.relu(false);
          for (int tries = 0; tries < 100; ++tries) {
            Tensor rm = rm0.clone(), rv = rv0.clone();
            const Tensor z = normalize(inputs[0], inputs[1], inputs[2], rm, rv, Tensor(), plain, training);
            float closest = 1e9f;
            for (float v : z.to_vector()) closest = std::min(closest, std::fabs(v));
            if (closest > 0.01f) break;
            inputs[0] = normal(p.x_shape, 0.3f, 1.5f, &gen);
          }
        }
        auto fn = [&](const std::vector<Tensor>& in) {
          // Fresh buffers per call: the running update must not change what is checked.
          Tensor rm = p.running ? rm0.clone() : Tensor(), rv = p.running ? rv0.clone() : Tensor();
          Tensor nbt = p.running ? full({1}, 2.0f) : Tensor();
          return normalize(in[0], in.size() > 1 ? in[1] : Tensor(), in.size() > 2 ? in[2] : Tensor(), rm, rv, nbt,
                           p.options, training);
        };
        // With ReLU, a smaller step keeps the differences from crossing the kink at 0.
        janus::testing::GradcheckOptions go;
        if (p.options.relu_) go.step = 1e-3;
        const auto r = gradcheck(fn, inputs, go);
        INFO(r.message);
        CHECK(r.ok);
        CHECK(r.checked > 0);
      }
    }
  }
}

TEST_CASE("Keras batch norm follows Keras' documented formulas", "[norm]") {
  // Keras 3: y = gamma (x - mean) / sqrt(var + 1e-3) + beta with the biased batch variance;
  // moving = moving * 0.99 + batch * (1 - 0.99), biased variance. Computed here by hand.
  Generator gen(3);
  const Tensor x = normal({4, 2, 3, 3}, 1.0f, 2.0f, &gen);  // m = 36
  const Tensor gamma = from_vector({1.5f, 0.5f}, {2}), beta = from_vector({0.1f, -0.2f}, {2});
  Tensor mm = zeros({2}), mv = ones({2});
  const Tensor y = normalize(x, gamma, beta, mm, mv, Tensor(), NormOptions::keras_batch_norm(), true);
  for (int64_t c = 0; c < 2; ++c) {
    double s = 0, ss = 0;
    for (int64_t n = 0; n < 4; ++n)
      for (int64_t i = 0; i < 9; ++i) s += x.data()[(n * 2 + c) * 9 + i];
    const double mean = s / 36;
    for (int64_t n = 0; n < 4; ++n)
      for (int64_t i = 0; i < 9; ++i) ss += std::pow(x.data()[(n * 2 + c) * 9 + i] - mean, 2);
    const double var = ss / 36;  // biased
    CHECK(mm.data()[c] == Approx(0.99 * 0.0 + 0.01 * mean).epsilon(1e-5));
    CHECK(mv.data()[c] == Approx(0.99 * 1.0 + 0.01 * var).epsilon(1e-5));
    const double want = gamma.data()[c] * (x.data()[c * 9] - mean) / std::sqrt(var + 1e-3) + beta.data()[c];
    CHECK(y.data()[c * 9] == Approx(want).epsilon(1e-5));
  }
  // The PyTorch conventions give a different running variance on the same batch: m/(m-1).
  Tensor rm = zeros({2}), rv = ones({2});
  normalize(x, Tensor(), Tensor(), rm, rv, Tensor(), NormOptions::torch_batch_norm().momentum(0.01), true);
  CHECK(rm.data()[0] == Approx(mm.data()[0]).epsilon(1e-6));
  CHECK((rv.data()[0] - 0.99) / (mv.data()[0] - 0.99) == Approx(36.0 / 35.0).epsilon(1e-4));
  // Inference: moving statistics, eps 1e-3 inside the sqrt.
  const Tensor ye = normalize(x, gamma, beta, mm, mv, Tensor(), NormOptions::keras_batch_norm(), false);
  CHECK(ye.data()[5] == Approx(gamma.data()[0] * (x.data()[5] - mm.data()[0]) / std::sqrt(mv.data()[0] + 1e-3) +
                               beta.data()[0]).epsilon(1e-5));
  // Keras runs with one value per channel (variance 0); PyTorch refuses.
  const Tensor one = from_vector({2.0f, 3.0f}, {1, 2});
  Tensor m1 = zeros({2}), v1 = ones({2});
  const Tensor y1 = normalize(one, Tensor(), Tensor(), m1, v1, Tensor(), NormOptions::keras_batch_norm(), true);
  CHECK(y1.data()[0] == 0.0f);
}

TEST_CASE("frozen statistics (Keras trainable false) use and keep the moving averages", "[norm]") {
  Generator gen(4);
  const Tensor x = randn({3, 2, 2, 2}, &gen);
  Tensor mm = from_vector({0.5f, -1.0f}, {2}), mv = from_vector({4.0f, 0.25f}, {2});
  const NormOptions frozen = NormOptions::keras_batch_norm().stats(StatsSource::running);
  const Tensor y = normalize(x, Tensor(), Tensor(), mm, mv, Tensor(), frozen, /*training=*/true);
  CHECK(mm.data()[0] == 0.5f);
  CHECK(mv.data()[1] == 0.25f);
  CHECK(y.data()[0] == Approx((x.data()[0] - 0.5) / std::sqrt(4.0 + 1e-3)));
  // stats=batch ignores given buffers entirely, in inference too.
  const Tensor yb = normalize(x, Tensor(), Tensor(), mm, mv, Tensor(), NormOptions().stats(StatsSource::batch), false);
  const Tensor ya = normalize(x, Tensor(), Tensor(), Tensor(), Tensor(), Tensor(), NormOptions(), true);
  CHECK_THAT(yb, IsIdentical(ya));
  CHECK(mm.data()[0] == 0.5f);
}

TEST_CASE("fused batch norm relu equals relu of batch norm", "[norm]") {
  Generator gen(8);
  const Tensor x = randn({4, 3, 5, 5}, &gen), w = uniform({3}, 0.5f, 1.5f, &gen), b = randn({3}, &gen);
  const Tensor dy = randn({4, 3, 5, 5}, &gen);
  Tensor g1[3], g2[3];
  Tensor y1, y2;
  for (int impl = 0; impl < 2; ++impl) {
    Tensor xg = x.clone().requires_grad_(), wg = w.clone().requires_grad_(), bg = b.clone().requires_grad_();
    Tensor rm = zeros({3}), rv = ones({3});
    Tensor y = impl == 0 ? batch_norm_relu(xg, rm, rv, wg, bg, true) : relu(batch_norm(xg, rm, rv, wg, bg, true));
    y.backward(dy);
    (impl == 0 ? y1 : y2) = y;
    Tensor* g = impl == 0 ? g1 : g2;
    g[0] = xg.grad(), g[1] = wg.grad(), g[2] = bg.grad();
  }
  CHECK_THAT(y1, IsIdentical(y2));
  for (int i = 0; i < 3; ++i) CHECK(allclose(g1[i], g2[i], 1e-5f, 1e-5f));
}

TEST_CASE("normalize attributes round-trip and results do not depend on the thread count", "[norm]") {
  const NormOptions o = NormOptions::keras_batch_norm().relu(true).stats(StatsSource::running);
  CHECK(NormOptions::from_attrs(o.to_attrs()).to_attrs() == o.to_attrs());
  CHECK(o.to_attrs().str().find("momentum_convention=") != std::string::npos);
  Generator gen(9);
  const Tensor x = normal({8, 16, 6, 6}, 3.0f, 2.0f, &gen);
  const int before = num_threads();
  set_num_threads(1);
  const Tensor a = batch_norm(x, Tensor(), Tensor(), Tensor(), Tensor(), true);
  set_num_threads(2);
  const Tensor b = batch_norm(x, Tensor(), Tensor(), Tensor(), Tensor(), true);
  set_num_threads(before);
  CHECK_THAT(a, IsIdentical(b));
}

TEST_CASE("variance is accurate for data far from zero", "[norm]") {
  // E[x^2] - E[x]^2 in float would lose everything here; two passes in double do not.
  Generator gen(2);
  const Tensor x = add(normal({16, 1, 32, 32}, 0.0f, 1e-2f, &gen), 1e4f);
  Tensor rm = zeros({1}), rv = ones({1});
  normalize(x, Tensor(), Tensor(), rm, rv, Tensor(), NormOptions().momentum(1.0).unbiased_running_var(false), true);
  double s = 0, ss = 0;
  for (float v : x.to_vector()) s += v;
  const double mean = s / x.numel();
  for (float v : x.to_vector()) ss += (v - mean) * (v - mean);
  CHECK(rv.item() == Approx(ss / x.numel()).epsilon(1e-3));
}

TEST_CASE("normalize errors name the op and the shapes", "[norm]") {
  const Tensor x = ones({2, 3, 4, 4});
  CHECK_THROWS_WITH(batch_norm(ones({4}), Tensor(), Tensor()),
                    Catch::Contains("expected input (N, C") && Catch::Contains("got 1-D input [4]"));
  CHECK_THROWS_WITH(batch_norm(x, zeros({4}), ones({4}), Tensor(), Tensor(), true),
                    Catch::Contains("running_mean has shape [4]") && Catch::Contains("[2, 3, 4, 4]") &&
                        Catch::Contains("num_features"));
  CHECK_THROWS_WITH(batch_norm(x, Tensor(), Tensor(), ones({5}), Tensor(), true), Catch::Contains("weight has shape [5]"));
  CHECK_THROWS_WITH(group_norm(x, 2), Catch::Contains("2 groups do not divide the 3 channels of input [2, 3, 4, 4]"));
  CHECK_THROWS_WITH(batch_norm(ones({1, 3}), zeros({3}), ones({3}), Tensor(), Tensor(), true),
                    Catch::Contains("Expected more than 1 value per channel when training, got input size [1, 3]"));
  // In eval the running statistics are used and one value is fine.
  CHECK_NOTHROW(batch_norm(ones({1, 3}), zeros({3}), ones({3}), Tensor(), Tensor(), false));
  Tensor bad = ones({2, 3, 2, 2});
  bad.data()[5] = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_WITH(batch_norm(bad, Tensor(), Tensor(), Tensor(), Tensor(), true),
                    Catch::Contains("not finite") && Catch::Contains("[2, 3, 2, 2]"));
  CHECK_THROWS_WITH(layer_norm(ones({3}), 2), Catch::Contains("at least 2 axes"));
  CHECK_THROWS_WITH(normalize(x, Tensor(), Tensor(), Tensor(), Tensor(), Tensor(),
                              NormOptions().stats(StatsSource::running), true),
                    Catch::Contains("no running_mean"));
}
