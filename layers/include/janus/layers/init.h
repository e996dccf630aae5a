// Weight initialization profiles. PyTorch's default for Conv2d/Linear is kaiming_uniform
// with a = sqrt(5), which works out to U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the weight,
// and the same bound for the bias. Keras' default is glorot_uniform, limit
// sqrt(6 / (fan_in + fan_out)), with zero bias. Every function takes a Generator* for
// seeding (the default generator when null) and writes in place without recording.
//
//   nn::init::glorot_uniform_(conv->weight, &gen);
//   nn::init::kaiming_normal_(conv->weight, 0.0, "fan_out", "relu");   // torch.nn.init's names too
#pragma once

#include <janus/core/tensor.h>

#include <cstdint>
#include <string>

namespace janus {
class Generator;
}

namespace janus::nn {

enum class InitProfile {
  torch,  // kaiming_uniform(a=sqrt(5)) weight, U(+-1/sqrt(fan_in)) bias
  keras,  // glorot_uniform weight, zero bias
};

const char* init_profile_name(InitProfile profile);

namespace init {

struct Fans {
  int64_t fan_in = 0;
  int64_t fan_out = 0;
};

// Fans of a weight laid out (out, in, *kernel): receptive = prod(kernel),
// fan_in = in * receptive, fan_out = out * receptive. Keras' rule for a conv kernel
// (kh, kw, in, out) gives the same numbers; a Dense kernel (in, out) stored as (out, in) too.
Fans compute_fans(const Shape& weight_shape);

void uniform_(Tensor& t, float low, float high, Generator* gen = nullptr);
void zeros_(Tensor& t);
void ones_(Tensor& t);
// U(-b, b) with b = gain * sqrt(3 / fan_in), gain = sqrt(2 / (1 + a^2)).
void kaiming_uniform_(Tensor& weight, double a = 0.0, Generator* gen = nullptr);
// U(-l, l) with l = sqrt(6 / (fan_in + fan_out)).
void glorot_uniform_(Tensor& weight, Generator* gen = nullptr);

// torch.nn.init's gain for a nonlinearity: 1 (linear, conv, sigmoid), 5/3 (tanh), sqrt(2)
// (relu), sqrt(2 / (1 + slope^2)) (leaky_relu, slope = param), 3/4 (selu).
double calculate_gain(const std::string& nonlinearity, double param = 0.01);
// N(mean, std) in place.
void normal_(Tensor& t, double mean = 0.0, double std = 1.0, Generator* gen = nullptr);
void constant_(Tensor& t, float value);
// U(-a, a), a = gain sqrt(6 / (fan_in + fan_out)) / N(0, gain sqrt(2 / (fan_in + fan_out))).
void xavier_uniform_(Tensor& weight, double gain = 1.0, Generator* gen = nullptr);
void xavier_normal_(Tensor& weight, double gain = 1.0, Generator* gen = nullptr);
// N(0, gain / sqrt(fan)), fan by mode ("fan_in" or "fan_out"), gain calculate_gain(nonlinearity, a);
// torch's defaults: a 0, "fan_in", "leaky_relu" (so gain sqrt(2)).
void kaiming_normal_(Tensor& weight, double a = 0.0, const std::string& mode = "fan_in",
                     const std::string& nonlinearity = "leaky_relu", Generator* gen = nullptr);

// Initializes a weight and its (possibly undefined) bias with a profile.
void init_weight_and_bias(Tensor& weight, Tensor& bias, InitProfile profile, Generator* gen = nullptr);

}  // namespace init
}  // namespace janus::nn
