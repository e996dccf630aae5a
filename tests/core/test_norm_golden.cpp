// The normalization family against PyTorch 1.13 (tests/golden/gen_norm.py -> norm.json):
// outputs, gradients of x, weight and bias, and running statistics over several steps.
// Every case runs twice: the fused kernel (normalize) and the teaching version
// (normalize_reference). Tolerance: |a - b| <= 2e-5 + 2e-5 |b| (float32).
#include <catch2/catch.hpp>
#include <close.h>

#include <janus/core/autograd.h>
#include <janus/core/ops/norm.h>

#include "fixtures.h"

using namespace janus;
using namespace janus::testing;  // close.h
using janus::testing::Fixture;

namespace {

using NormFn = Tensor (*)(const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                          const NormOptions&, bool);

const Fixture& fixture() {
  static const Fixture f = Fixture::load("norm.json");
  return f;
}

Tensor opt(const std::string& key) { return fixture().has_tensor(key) ? fixture().tensor(key) : Tensor(); }

void expect_close(const Tensor& got, const Tensor& want, const std::string& what) {
  REQUIRE(got.defined());
  REQUIRE(got.shape() == want.shape());
  INFO(what << ": max |diff| = " << max_abs_diff(got, want));
  CHECK(allclose(got, want, 2e-5f, 2e-5f));
}

// Runs one case: y = fn(x, ...) with leaves for x, weight, bias; backward with <key>.r;
// compares y, dx and (when stored) dweight, dbias.
void run_case(NormFn fn, const std::string& key, const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& rm,
              const Tensor& rv, const Tensor& nbt, const NormOptions& o, bool training) {
  Tensor xg = x.clone().requires_grad_();
  Tensor wg = w.defined() ? w.clone().requires_grad_() : Tensor();
  Tensor bg = b.defined() ? b.clone().requires_grad_() : Tensor();
  Tensor y = fn(xg, wg, bg, rm, rv, nbt, o, training);
  expect_close(y, fixture().tensor(key + ".y"), key + ".y");
  y.backward(fixture().tensor(key + ".r"));
  expect_close(xg.grad(), fixture().tensor(key + ".dx"), key + ".dx");
  if (fixture().has_tensor(key + ".dweight")) expect_close(wg.grad(), fixture().tensor(key + ".dweight"), key + ".dw");
  if (fixture().has_tensor(key + ".dbias")) expect_close(bg.grad(), fixture().tensor(key + ".dbias"), key + ".db");
}

const std::vector<std::pair<const char*, NormFn>> kImpls = {{"fused", &normalize}, {"reference", &normalize_reference}};

}  // namespace

TEST_CASE("BatchNorm2d training steps, running stats and eval match PyTorch", "[norm]") {
  for (const auto& [impl, fn] : kImpls) {
    for (const std::string key : {"bn2d", "bn2d_cum"}) {
      DYNAMIC_SECTION(impl << " " << key) {
        const NormOptions o = NormOptions::torch_batch_norm().cumulative(key == "bn2d_cum");
        Tensor rm = zeros({3}), rv = ones({3}), nbt = zeros({1});
        const Tensor w = opt(key + ".weight"), b = opt(key + ".bias");
        for (int step = 0; step < 3; ++step) {
          const std::string k = key + ".step" + std::to_string(step);
          run_case(fn, k, opt(k + ".x"), w, b, rm, rv, nbt, o, true);
          expect_close(rm, opt(k + ".running_mean"), k + ".running_mean");
          expect_close(rv, opt(k + ".running_var"), k + ".running_var");
          CHECK(nbt.item() == Approx(fixture().value(k + ".num_batches_tracked")));
        }
        const Tensor rm_before = rm.clone();
        run_case(fn, key + ".eval", opt(key + ".eval.x"), w, b, rm, rv, nbt, o, false);
        CHECK_THAT(rm, IsIdentical(rm_before));  // eval never updates
        CHECK(nbt.item() == 3.0f);
      }
    }
  }
}

TEST_CASE("BatchNorm2d without running stats and BatchNorm1d match PyTorch", "[norm]") {
  for (const auto& [impl, fn] : kImpls) {
    DYNAMIC_SECTION(impl) {
      // track_running_stats=False: batch statistics even in eval.
      run_case(fn, "bn2d_notrack", opt("bn2d_notrack.x"), ones({3}), zeros({3}), Tensor(), Tensor(), Tensor(),
               NormOptions::torch_batch_norm(), false);
      Tensor rm = zeros({4}), rv = ones({4}), nbt = zeros({1});
      run_case(fn, "bn1d", opt("bn1d.x"), opt("bn1d.weight"), opt("bn1d.bias"), rm, rv, nbt,
               NormOptions::torch_batch_norm(), true);
      expect_close(rm, opt("bn1d.running_mean"), "bn1d.running_mean");
      expect_close(rv, opt("bn1d.running_var"), "bn1d.running_var");
    }
  }
}

TEST_CASE("InstanceNorm2d plain affine and tracking match PyTorch", "[norm]") {
  for (const auto& [impl, fn] : kImpls) {
    DYNAMIC_SECTION(impl) {
      const NormOptions o = NormOptions::torch_instance_norm();
      const Tensor x = opt("in.x");
      run_case(fn, "in_plain", x, Tensor(), Tensor(), Tensor(), Tensor(), Tensor(), o, true);
      run_case(fn, "in_plain", x, Tensor(), Tensor(), Tensor(), Tensor(), Tensor(), o, false);
      run_case(fn, "in_affine", x, opt("in_affine.weight"), opt("in_affine.bias"), Tensor(), Tensor(), Tensor(), o,
               true);
      Tensor rm = zeros({3}), rv = ones({3}), nbt = zeros({1});
      for (int step = 0; step < 2; ++step) {
        const std::string k = "in_track.step" + std::to_string(step);
        run_case(fn, k, opt(k + ".x"), Tensor(), Tensor(), rm, rv, nbt, o, true);
        expect_close(rm, opt(k + ".running_mean"), k + ".running_mean");
        expect_close(rv, opt(k + ".running_var"), k + ".running_var");
      }
      run_case(fn, "in_track.eval", x, Tensor(), Tensor(), rm, rv, nbt, o, false);
    }
  }
}

TEST_CASE("GroupNorm with G 1 2 C and LayerNorm match PyTorch", "[norm]") {
  for (const auto& [impl, fn] : kImpls) {
    DYNAMIC_SECTION(impl) {
      for (int g : {1, 2, 4}) {
        const std::string k = "gn" + std::to_string(g);
        run_case(fn, k, opt("gn.x"), opt(k + ".weight"), opt(k + ".bias"), Tensor(), Tensor(), Tensor(),
                 NormOptions::torch_group_norm(g), true);
      }
      run_case(fn, "ln", opt("ln.x"), opt("ln.weight"), opt("ln.bias"), Tensor(), Tensor(), Tensor(),
               NormOptions::torch_layer_norm(2), true);
    }
  }
}

TEST_CASE("the seeds' per-channel norms match their PyTorch transcriptions", "[norm]") {
  for (const auto& [impl, fn] : kImpls) {
    DYNAMIC_SECTION(impl) {
      for (const std::string hw : {"2", "4"}) {
        const Tensor x = opt("seed" + hw + ".x");
        run_case(fn, "seed_keras" + hw, x, Tensor(), Tensor(), Tensor(), Tensor(), Tensor(),
                 NormOptions::seed_keras_per_channel(), true);
        run_case(fn, "seed_torch" + hw, x, Tensor(), Tensor(), Tensor(), Tensor(), Tensor(),
                 NormOptions::seed_torch_per_channel(), false);
      }
      // The two seeds are not the same function: on 2x2 maps they differ by ~13 percent.
      const Tensor x = opt("seed2.x");
      const Tensor a = fn(x, Tensor(), Tensor(), Tensor(), Tensor(), Tensor(), NormOptions::seed_keras_per_channel(), true);
      const Tensor b = fn(x, Tensor(), Tensor(), Tensor(), Tensor(), Tensor(), NormOptions::seed_torch_per_channel(), true);
      // unbiased std = biased std * sqrt(4/3) -> ratio sqrt(3/4) = 0.866
      CHECK(b.data()[0] / a.data()[0] == Approx(std::sqrt(0.75)).epsilon(1e-4));
    }
  }
}
