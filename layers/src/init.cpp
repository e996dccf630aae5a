// Initialization profiles (PyTorch's and Keras' defaults for conv and dense weights).
#include <janus/layers/init.h>

#include <janus/core/error.h>
#include <janus/core/random.h>

#include <cmath>

namespace janus::nn {

const char* init_profile_name(InitProfile profile) {
  return profile == InitProfile::torch ? "torch" : "keras";
}

namespace init {

Fans compute_fans(const Shape& s) {
  JANUS_CHECK(s.size() >= 2, "init: cannot compute fan_in/fan_out of a tensor with fewer than 2 axes (got {})",
              shape_str(s));
  int64_t receptive = 1;
  for (size_t i = 2; i < s.size(); ++i) receptive *= s[i];
  return Fans{s[1] * receptive, s[0] * receptive};
}

void uniform_(Tensor& t, float low, float high, Generator* gen) {
  JANUS_CHECK(t.defined(), "init: uniform_ on an undefined tensor");
  Generator& g = gen ? *gen : default_generator();
  float* p = t.data();
  const double span = static_cast<double>(high) - low;
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<float>(low + span * g.uniform());
}

void zeros_(Tensor& t) { t.fill_(0.0f); }
void ones_(Tensor& t) { t.fill_(1.0f); }

void kaiming_uniform_(Tensor& weight, double a, Generator* gen) {
  const Fans f = compute_fans(weight.shape());
  JANUS_CHECK(f.fan_in > 0, "init: kaiming_uniform_ needs fan_in > 0 (weight {})", shape_str(weight.shape()));
  const double gain = std::sqrt(2.0 / (1.0 + a * a));
  const double bound = gain * std::sqrt(3.0 / static_cast<double>(f.fan_in));
  uniform_(weight, static_cast<float>(-bound), static_cast<float>(bound), gen);
}

void glorot_uniform_(Tensor& weight, Generator* gen) {
  const Fans f = compute_fans(weight.shape());
  JANUS_CHECK(f.fan_in + f.fan_out > 0, "init: glorot_uniform_ needs fan_in + fan_out > 0 (weight {})",
              shape_str(weight.shape()));
  const double limit = std::sqrt(6.0 / static_cast<double>(f.fan_in + f.fan_out));
  uniform_(weight, static_cast<float>(-limit), static_cast<float>(limit), gen);
}

void init_weight_and_bias(Tensor& weight, Tensor& bias, InitProfile profile, Generator* gen) {
  if (profile == InitProfile::torch) {
    kaiming_uniform_(weight, std::sqrt(5.0), gen);
    if (bias.defined()) {
      const Fans f = compute_fans(weight.shape());
      const float bound = f.fan_in > 0 ? static_cast<float>(1.0 / std::sqrt(static_cast<double>(f.fan_in))) : 0.0f;
      uniform_(bias, -bound, bound, gen);
    }
  } else {
    glorot_uniform_(weight, gen);
    if (bias.defined()) zeros_(bias);
  }
}

}  // namespace init
}  // namespace janus::nn
