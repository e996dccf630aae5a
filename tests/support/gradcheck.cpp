// Central-difference gradient checking with a random projection and a grad sentinel.
#include "gradcheck.h"

#include <janus/core/autograd.h>
#include <janus/core/ops/elementwise.h>
#include <janus/core/ops/reduce.h>
#include <janus/core/random.h>

#include <cmath>

namespace janus::testing {

namespace {
constexpr float kSentinel = 0.375f;

double projected(const Tensor& out, const Tensor& projection) {
  double s = 0.0;
  for (int64_t i = 0; i < out.numel(); ++i) s += static_cast<double>(out.data()[i]) * projection.data()[i];
  return s;
}
}  // namespace

GradcheckResult gradcheck(const GradcheckFn& fn, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& options) {
  GradcheckResult result;
  std::vector<Tensor> leaves;
  for (const Tensor& t : inputs) leaves.push_back(t.defined() ? t.clone() : Tensor());
  std::vector<bool> checked(leaves.size(), options.check_inputs.empty());
  for (size_t i : options.check_inputs) checked.at(i) = true;
  for (size_t i = 0; i < leaves.size(); ++i) {
    if (leaves[i].defined() && checked[i]) {
      leaves[i].requires_grad_();
      leaves[i].set_grad(full(leaves[i].shape(), kSentinel));
    }
  }

  Tensor out = fn(leaves);
  Generator gen(options.seed);
  const Tensor projection = uniform(out.shape(), -1.0f, 1.0f, &gen);
  // Analytic: backward of sum(out * projection) is backward(out) with gradient = projection.
  out.backward(projection);

  NoGradGuard no_grad;
  for (size_t i = 0; i < leaves.size(); ++i) {
    if (!leaves[i].defined() || !checked[i]) continue;
    Tensor g = leaves[i].grad();
    if (!g.defined()) {
      result.ok = false;
      result.message += fmt::format("input {}: no gradient reached it\n", i);
      continue;
    }
    float* x = leaves[i].data();
    for (int64_t k = 0; k < leaves[i].numel(); ++k) {
      const float saved = x[k];
      x[k] = static_cast<float>(saved + options.step);
      const double plus = projected(fn(leaves), projection);
      x[k] = static_cast<float>(saved - options.step);
      const double minus = projected(fn(leaves), projection);
      x[k] = saved;
      const double numeric = (plus - minus) / (2.0 * options.step);
      const double analytic = static_cast<double>(g.data()[k]) - kSentinel;
      const double err = std::fabs(numeric - analytic);
      ++result.checked;
      result.max_error = std::max(result.max_error, err);
      if (!(err <= options.atol + options.rtol * std::fabs(numeric))) {
        if (result.ok || result.message.size() < 2000)
          result.message += fmt::format("input {} {} element {}: numeric {:.6g} vs analytic {:.6g} (error {:.3g})\n",
                                        i, shape_str(leaves[i].shape()), k, numeric, analytic, err);
        result.ok = false;
      }
    }
  }
  return result;
}

}  // namespace janus::testing
