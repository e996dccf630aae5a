// The generic gradient checker every op and layer test uses.
//
// It compares autograd's gradients with central differences of a scalar loss
//   L(inputs) = sum_i f(inputs)_i * r_i,
// where r is a fixed random projection (never a plain sum: the sum of a normalization's
// output has zero gradient, which would hide any mistake). Before backward, each input's
// .grad is pre-filled with a sentinel, and the checker verifies grad - sentinel, proving
// that backward accumulates (+=) instead of overwriting. Differences are taken in float
// (janus' kernels are float32) and accumulated in double; the step and tolerances are
// chosen for float.
//
//   GradcheckResult r = gradcheck([](const std::vector<Tensor>& in) { return janus::tanh(in[0]); },
//                                 {janus::randn({3, 4}, &gen)});
//   REQUIRE(r.ok);   // r.message says which input and element differ, and by how much
#pragma once

#include <janus/core/tensor.h>

#include <functional>
#include <string>
#include <vector>

namespace janus::testing {

struct GradcheckOptions {
  double step = 1e-2;       // finite-difference step
  double rtol = 2e-2;       // |numeric - analytic| <= atol + rtol * |numeric|
  double atol = 2e-3;
  uint64_t seed = 1234;     // for the projection
  // Inputs (by index) that are checked; empty means all. Others are constants.
  std::vector<size_t> check_inputs;
};

struct GradcheckResult {
  bool ok = true;
  std::string message;
  double max_error = 0.0;
  int64_t checked = 0;  // number of partial derivatives compared
};

using GradcheckFn = std::function<Tensor(const std::vector<Tensor>&)>;

// `inputs` are copied and marked requires_grad; `fn` must be deterministic (freeze running
// statistics and dropout masks before checking).
GradcheckResult gradcheck(const GradcheckFn& fn, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& options = {});

}  // namespace janus::testing
