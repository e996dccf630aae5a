// nn::Dropout: passes the module's training flag to the mode-dependent dropout op.
#include <janus/layers/dropout.h>

#include <janus/core/ops/nn.h>

namespace janus::nn {

Dropout::Dropout(double p, Generator* gen) : Module("Dropout"), p_(p), gen_(gen) {
  JANUS_CHECK(p >= 0.0 && p < 1.0, "Dropout: expected 0 <= p < 1 (got p={})", p);
}

Tensor Dropout::forward(const Tensor& x) {
  JANUS_CHECK(x.defined(), "{}: forward got an undefined tensor", describe());
  return dropout(x, static_cast<float>(p_), run_context().training, gen_);
}

std::string Dropout::extra_repr() const { return fmt::format("p={}, inplace=False", p_); }

Dropout2d::Dropout2d(double p, Generator* gen) : Module("Dropout2d"), p_(p), gen_(gen) {
  JANUS_CHECK(p >= 0.0 && p <= 1.0, "Dropout2d: expected 0 <= p <= 1 (got p={})", p);
}

Tensor Dropout2d::forward(const Tensor& x) {
  JANUS_CHECK(x.defined(), "{}: forward got an undefined tensor", describe());
  return dropout2d(x, static_cast<float>(p_), run_context().training, gen_);
}

std::string Dropout2d::extra_repr() const { return fmt::format("p={}, inplace=False", p_); }

}  // namespace janus::nn
