// Adam (L2 weight decay added to the gradient) and AdamW (decoupled weight decay), with
// optional AMSGrad, in PyTorch's order of float operations (see adam.h for the rule).
#include <janus/core/autograd.h>
#include <janus/core/optim/adam.h>

#include <algorithm>
#include <cmath>

namespace janus::optim {

Adam::Adam(std::vector<Tensor> params, const AdamOptions& options) : Adam(std::move(params), options, false, "Adam") {}

Adam::Adam(std::vector<Tensor> params, const AdamOptions& options, bool decoupled, const char* name)
    : GroupedOptimizer(std::move(params), options, name, &Adam::check_options), decoupled_(decoupled) {}

void Adam::check_options(const AdamOptions& options, const std::string& what) {
  JANUS_CHECK(options.beta1_ >= 0.0 && options.beta1_ < 1.0 && options.beta2_ >= 0.0 && options.beta2_ < 1.0,
              "{}: expected betas in [0, 1) (got ({}, {}))", what, options.beta1_, options.beta2_);
  JANUS_CHECK(options.eps_ >= 0.0, "{}: expected eps >= 0 (got {})", what, options.eps_);
  JANUS_CHECK(options.weight_decay_ >= 0.0, "{}: expected weight_decay >= 0 (got {})", what, options.weight_decay_);
}

void Adam::save_options(NamedTensors& out, const std::string& prefix, size_t group) const {
  const AdamOptions o = group_options(group);
  put_option(out, prefix, "betas", {o.beta1_, o.beta2_});
  put_option(out, prefix, "eps", {o.eps_});
  put_option(out, prefix, "weight_decay", {o.weight_decay_});
  put_option(out, prefix, "amsgrad", {o.amsgrad_ ? 1.0 : 0.0});
}

void Adam::save_state(NamedTensors& out, size_t slot, const std::string& prefix) const {
  if (slot >= state_.size() || state_[slot].step == 0) return;  // never updated
  const State& s = state_[slot];
  put_double(out, prefix + "step", static_cast<double>(s.step));
  out.emplace_back(prefix + "exp_avg", s.exp_avg.clone());
  out.emplace_back(prefix + "exp_avg_sq", s.exp_avg_sq.clone());
  if (s.max_exp_avg_sq.defined()) out.emplace_back(prefix + "max_exp_avg_sq", s.max_exp_avg_sq.clone());
}

std::function<void()> Adam::load_options_and_state(StateDictReader& r) {
  std::vector<AdamOptions> groups = read_group_options(r, [&](AdamOptions& o, size_t g) {
    const std::vector<double> betas = group_option(r, g, "betas", 2);
    o.beta1_ = betas[0];
    o.beta2_ = betas[1];
    o.eps_ = group_option(r, g, "eps", 1)[0];
    o.weight_decay_ = group_option(r, g, "weight_decay", 1)[0];
    o.amsgrad_ = group_bool_option(r, g, "amsgrad");
  });
  std::vector<State> state(num_params());
  for_each_slot([&](size_t i, size_t group) {
    const AdamOptions& o = groups[group];
    const std::string prefix = "state." + std::to_string(i) + ".";
    if (!r.has(prefix + "step")) return;  // never updated: absent, as saved (other keys are then unexpected)
    State& s = state[i];
    s.step = r.get_int(prefix + "step", 1, int64_t{1} << 60);
    const Shape& shape = param_shape(i);
    s.exp_avg = r.get(prefix + "exp_avg", shape).clone();
    s.exp_avg_sq = r.get(prefix + "exp_avg_sq", shape).clone();
    if (o.amsgrad_) s.max_exp_avg_sq = r.get(prefix + "max_exp_avg_sq", shape).clone();
    else JANUS_CHECK(!r.has(prefix + "max_exp_avg_sq"), "{}: unexpected key '{}max_exp_avg_sq' (amsgrad is off)",
                     r.what(), prefix);
  });
  return [this, groups = std::move(groups), state = std::move(state)]() mutable {
    install_group_options(std::move(groups));
    state_ = std::move(state);
  };
}

AdamW::AdamW(std::vector<Tensor> params, const AdamWOptions& options) : Adam(std::move(params), options, true, "AdamW") {}

void Adam::step() {
  NoGradGuard no_grad;
  state_.resize(num_params());
  const std::vector<AdamOptions>& groups = every_group_options();
  for_each_param([&](Tensor& p, const Tensor& grad, double lr, size_t slot, size_t group) {
    const AdamOptions& o = groups[group];
    const float b1 = static_cast<float>(o.beta1_), b2 = static_cast<float>(o.beta2_);
    const float one_minus_b1 = static_cast<float>(1.0 - o.beta1_), one_minus_b2 = static_cast<float>(1.0 - o.beta2_);
    const float eps = static_cast<float>(o.eps_);
    JANUS_CHECK(grad.shape() == p.shape(), "{}: gradient {} does not match parameter {}", name_,
                shape_str(grad.shape()), shape_str(p.shape()));
    State& s = state_[slot];
    if (s.step == 0) {
      s.exp_avg = zeros(p.shape());
      s.exp_avg_sq = zeros(p.shape());
      if (o.amsgrad_) s.max_exp_avg_sq = zeros(p.shape());
    }
    ++s.step;
    // Scalars in double as torch computes them in Python, then used as float.
    const double bc1 = 1.0 - std::pow(o.beta1_, static_cast<double>(s.step));
    const double bc2 = 1.0 - std::pow(o.beta2_, static_cast<double>(s.step));
    const float neg_step_size = static_cast<float>(-(lr / bc1));
    const float bc2_sqrt = static_cast<float>(std::sqrt(bc2));
    const float l2 = decoupled_ ? 0.0f : static_cast<float>(o.weight_decay_);
    if (decoupled_) decay_decoupled(p, lr, o.weight_decay_);  // before the moments, elementwise

    const int64_t n = p.numel();
    float* pp = p.data();
    const float* pg = grad.data();
    float* m = s.exp_avg.data();
    float* v = s.exp_avg_sq.data();
    float* vmax = o.amsgrad_ ? s.max_exp_avg_sq.data() : nullptr;
    for (int64_t i = 0; i < n; ++i) {
      float g = pg[i];
      if (l2 != 0.0f) g = g + l2 * pp[i];
      m[i] = m[i] * b1 + one_minus_b1 * g;
      v[i] = v[i] * b2 + one_minus_b2 * (g * g);
      float second = v[i];
      if (vmax) {
        vmax[i] = std::max(vmax[i], v[i]);
        second = vmax[i];
      }
      const float denom = std::sqrt(second) / bc2_sqrt + eps;
      pp[i] = pp[i] + neg_step_size * (m[i] / denom);
    }
  });
  ++steps_;
}

void Adam::set_group_momentum(size_t group, double value) {
  stored_group_options(group).beta1_ = value;
}

}  // namespace janus::optim
