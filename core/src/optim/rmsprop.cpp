// RMSprop in PyTorch's order of float operations (see rmsprop.h for the rule), with
// per-group options and torch's state layout.
#include <janus/core/autograd.h>
#include <janus/core/optim/rmsprop.h>

#include <cmath>

namespace janus::optim {

RMSprop::RMSprop(std::vector<Tensor> params, const RMSpropOptions& options)
    : GroupedOptimizer(std::move(params), options, "RMSprop", &RMSprop::check_options) {}

void RMSprop::check_options(const RMSpropOptions& o, const std::string& what) {
  JANUS_CHECK(o.alpha_ >= 0.0, "{}: expected alpha >= 0 (got {})", what, o.alpha_);
  JANUS_CHECK(o.eps_ >= 0.0, "{}: expected eps >= 0 (got {})", what, o.eps_);
  JANUS_CHECK(o.momentum_ >= 0.0, "{}: expected momentum >= 0 (got {})", what, o.momentum_);
  JANUS_CHECK(o.weight_decay_ >= 0.0, "{}: expected weight_decay >= 0 (got {})", what, o.weight_decay_);
}

void RMSprop::save_options(NamedTensors& out, const std::string& prefix, size_t group) const {
  const RMSpropOptions o = group_options(group);
  put_option(out, prefix, "alpha", {o.alpha_});
  put_option(out, prefix, "eps", {o.eps_});
  put_option(out, prefix, "weight_decay", {o.weight_decay_});
  put_option(out, prefix, "momentum", {o.momentum_});
  put_option(out, prefix, "centered", {o.centered_ ? 1.0 : 0.0});
}

void RMSprop::save_state(NamedTensors& out, size_t slot, const std::string& prefix) const {
  if (slot >= state_.size() || state_[slot].step == 0) return;  // never updated
  const State& s = state_[slot];
  put_double(out, prefix + "step", static_cast<double>(s.step));
  out.emplace_back(prefix + "square_avg", s.square_avg.clone());
  if (s.momentum_buffer.defined()) out.emplace_back(prefix + "momentum_buffer", s.momentum_buffer.clone());
  if (s.grad_avg.defined()) out.emplace_back(prefix + "grad_avg", s.grad_avg.clone());
}

std::function<void()> RMSprop::load_options_and_state(StateDictReader& r) {
  std::vector<RMSpropOptions> groups = read_group_options(r, [&](RMSpropOptions& o, size_t g) {
    o.alpha_ = group_option(r, g, "alpha", 1)[0];
    o.eps_ = group_option(r, g, "eps", 1)[0];
    o.weight_decay_ = group_option(r, g, "weight_decay", 1)[0];
    o.momentum_ = group_option(r, g, "momentum", 1)[0];
    o.centered_ = group_bool_option(r, g, "centered");
  });
  std::vector<State> state(num_params());
  for_each_slot([&](size_t i, size_t group) {
    const RMSpropOptions& o = groups[group];
    const std::string prefix = "state." + std::to_string(i) + ".";
    if (!r.has(prefix + "step")) return;  // never updated: absent, as saved
    State& s = state[i];
    const Shape& shape = param_shape(i);
    s.step = r.get_int(prefix + "step", 1, int64_t{1} << 60);
    s.square_avg = r.get(prefix + "square_avg", shape).clone();
    if (o.momentum_ > 0.0) s.momentum_buffer = r.get(prefix + "momentum_buffer", shape).clone();
    if (o.centered_) s.grad_avg = r.get(prefix + "grad_avg", shape).clone();
  });
  return [this, groups = std::move(groups), state = std::move(state)]() mutable {
    install_group_options(std::move(groups));
    state_ = std::move(state);
  };
}

void RMSprop::step() {
  NoGradGuard no_grad;
  state_.resize(num_params());
  const std::vector<RMSpropOptions>& groups = every_group_options();
  for_each_param([&](Tensor& p, const Tensor& grad, double lr, size_t slot, size_t group) {
    JANUS_CHECK(grad.shape() == p.shape(), "RMSprop: gradient {} does not match parameter {}",
                shape_str(grad.shape()), shape_str(p.shape()));
    const RMSpropOptions& o = groups[group];
    State& s = state_[slot];
    if (s.step == 0) {
      s.square_avg = zeros(p.shape());
      if (o.momentum_ > 0.0) s.momentum_buffer = zeros(p.shape());
      if (o.centered_) s.grad_avg = zeros(p.shape());
    }
    ++s.step;
    const float alpha = static_cast<float>(o.alpha_), one_minus_alpha = static_cast<float>(1.0 - o.alpha_);
    const float eps = static_cast<float>(o.eps_), wd = static_cast<float>(o.weight_decay_);
    const float mu = static_cast<float>(o.momentum_), neg_lr = static_cast<float>(-lr);
    const int64_t n = p.numel();
    float* pp = p.data();
    const float* pg = grad.data();
    float* sq = s.square_avg.data();
    float* buf = mu > 0.0f ? s.momentum_buffer.data() : nullptr;
    float* ga = o.centered_ ? s.grad_avg.data() : nullptr;
    for (int64_t i = 0; i < n; ++i) {
      float g = pg[i];
      if (wd != 0.0f) g = g + wd * pp[i];
      sq[i] = sq[i] * alpha + one_minus_alpha * g * g;
      float avg;
      if (ga) {
        ga[i] = ga[i] * alpha + one_minus_alpha * g;
        avg = std::sqrt(sq[i] - ga[i] * ga[i]) + eps;
      } else {
        avg = std::sqrt(sq[i]) + eps;
      }
      if (buf) {
        buf[i] = buf[i] * mu + g / avg;
        pp[i] = pp[i] + neg_lr * buf[i];
      } else {
        pp[i] = pp[i] + neg_lr * (g / avg);
      }
    }
  });
  ++steps_;
}

void RMSprop::set_group_momentum(size_t group, double value) {
  stored_group_options(group).momentum_ = value;
}

}  // namespace janus::optim
