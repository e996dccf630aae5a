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

double calculate_gain(const std::string& nonlinearity, double param) {
  if (nonlinearity == "linear" || nonlinearity == "conv1d" || nonlinearity == "conv2d" ||
      nonlinearity == "conv3d" || nonlinearity == "sigmoid")
    return 1.0;
  if (nonlinearity == "tanh") return 5.0 / 3.0;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") return std::sqrt(2.0 / (1.0 + param * param));
  if (nonlinearity == "selu") return 3.0 / 4.0;
  JANUS_FAIL("init: unsupported nonlinearity '{}' (expected linear, conv2d, sigmoid, tanh, relu, leaky_relu or selu)",
             nonlinearity);
}

void normal_(Tensor& t, double mean, double std, Generator* gen) {
  JANUS_CHECK(t.defined(), "init: normal_ on an undefined tensor");
  JANUS_CHECK(std >= 0.0, "init: normal_ expects std >= 0 (got {})", std);
  Generator& g = gen ? *gen : default_generator();
  float* p = t.data();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<float>(mean + std * g.normal());
}

void constant_(Tensor& t, float value) {
  JANUS_CHECK(t.defined(), "init: constant_ on an undefined tensor");
  t.fill_(value);
}

void xavier_uniform_(Tensor& weight, double gain, Generator* gen) {
  const Fans f = compute_fans(weight.shape());
  const double a = gain * std::sqrt(6.0 / static_cast<double>(f.fan_in + f.fan_out));
  uniform_(weight, static_cast<float>(-a), static_cast<float>(a), gen);
}

void xavier_normal_(Tensor& weight, double gain, Generator* gen) {
  const Fans f = compute_fans(weight.shape());
  normal_(weight, 0.0, gain * std::sqrt(2.0 / static_cast<double>(f.fan_in + f.fan_out)), gen);
}

void kaiming_normal_(Tensor& weight, double a, const std::string& mode, const std::string& nonlinearity,
                     Generator* gen) {
  JANUS_CHECK(mode == "fan_in" || mode == "fan_out", "init: kaiming_normal_ mode must be \"fan_in\" or \"fan_out\" (got \"{}\")",
              mode);
  const Fans f = compute_fans(weight.shape());
  const int64_t fan = mode == "fan_in" ? f.fan_in : f.fan_out;
  JANUS_CHECK(fan > 0, "init: kaiming_normal_ needs {} > 0 (weight {})", mode, shape_str(weight.shape()));
  normal_(weight, 0.0, calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan)), gen);
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
