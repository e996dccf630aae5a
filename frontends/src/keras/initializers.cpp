// Keras' initializers by name (keras/src/initializers): VarianceScaling's glorot / he /
// lecun families with fans computed as Keras does, the constant and random ones, written
// into a layer's tensor in place. The normal variance-scaling draws are truncated at two
// standard deviations with Keras' correction of the stddev (0.8796...).
#include <janus/core/autograd.h>
#include <janus/core/random.h>
#include <janus/keras/layer.h>
#include <janus/layers/init.h>

#include <cmath>

namespace janus::keras::layers {

namespace {

// A draw of N(0, 1) redrawn until |z| <= 2 (truncated normal).
double truncated(Generator& g) {
  for (;;) {
    const double z = g.normal();
    if (std::fabs(z) <= 2.0) return z;
  }
}

struct Family {
  double scale;
  const char* mode;  // "fan_in", "fan_avg"
  bool normal;
};

bool variance_scaling(const std::string& name, Family& f) {
  if (name == "glorot_uniform") f = {1.0, "fan_avg", false};
  else if (name == "glorot_normal") f = {1.0, "fan_avg", true};
  else if (name == "he_uniform") f = {2.0, "fan_in", false};
  else if (name == "he_normal") f = {2.0, "fan_in", true};
  else if (name == "lecun_uniform") f = {1.0, "fan_in", false};
  else if (name == "lecun_normal") f = {1.0, "fan_in", true};
  else return false;
  return true;
}

}  // namespace

void check_initializer(const std::string& name, const std::string& layer) {
  Family f{};
  JANUS_CHECK(variance_scaling(name, f) || name == "zeros" || name == "ones" || name == "random_normal" ||
                  name == "random_uniform" || name == "truncated_normal",
              "{}: unknown initializer \"{}\" (expected one of \"glorot_uniform\", \"glorot_normal\", \"he_uniform\", "
              "\"he_normal\", \"lecun_uniform\", \"lecun_normal\", \"zeros\", \"ones\", \"random_normal\", "
              "\"random_uniform\", \"truncated_normal\")", layer, name);
}

void initialize(Tensor t, const std::string& name, const std::string& layer, Generator* gen) {
  check_initializer(name, layer);
  NoGradGuard ng;
  Generator& g = gen != nullptr ? *gen : default_generator();
  float* p = t.data();
  const int64_t n = t.numel();
  auto fill = [&](auto draw) {
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<float>(draw());
  };
  if (name == "zeros") return fill([] { return 0.0; });
  if (name == "ones") return fill([] { return 1.0; });
  if (name == "random_normal") return fill([&] { return 0.05 * g.normal(); });
  if (name == "random_uniform") return fill([&] { return -0.05 + 0.1 * g.uniform(); });
  if (name == "truncated_normal") return fill([&] { return 0.05 * truncated(g); });
  Family f{};
  variance_scaling(name, f);
  // Keras' fans: a conv kernel (kh, kw, in, out) has fan_in = kh kw in, fan_out = kh kw out
  // -- janus' (out, in, kh, kw) gives the same; a 1-D tensor has fan_in = fan_out = size.
  double fan_in, fan_out;
  if (t.dim() == 1) {
    fan_in = fan_out = static_cast<double>(t.size(0));
  } else {
    const nn::init::Fans fans = nn::init::compute_fans(t.shape());
    fan_in = static_cast<double>(fans.fan_in);
    fan_out = static_cast<double>(fans.fan_out);
  }
  const double fan = std::string(f.mode) == "fan_in" ? fan_in : (fan_in + fan_out) / 2.0;
  const double var = f.scale / std::max(1.0, fan);
  if (f.normal) {
    // The stddev of N(0, 1) truncated to [-2, 2] is 0.8796...; Keras divides it out.
    const double stddev = std::sqrt(var) / 0.87962566103423978;
    return fill([&] { return stddev * truncated(g); });
  }
  const double limit = std::sqrt(3.0 * var);
  fill([&] { return -limit + 2.0 * limit * g.uniform(); });
}

}  // namespace janus::keras::layers
