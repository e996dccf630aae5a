// SGD with momentum, dampening, Nesterov and L2 weight decay, in PyTorch's order of float
// operations, and Keras 3's variants (velocity holding the lr, decoupled weight decay) in
// Keras' order (see sgd.h for the rules).
#include <janus/core/autograd.h>
#include <janus/core/optim/sgd.h>

namespace janus::optim {

SGD::SGD(std::vector<Tensor> params, const SGDOptions& options)
    : GroupedOptimizer(std::move(params), options, "SGD", &SGD::check_options) {}

void SGD::check_options(const SGDOptions& options, const std::string& what) {
  JANUS_CHECK(options.momentum_ >= 0.0, "{}: expected momentum >= 0 (got {})", what, options.momentum_);
  JANUS_CHECK(options.weight_decay_ >= 0.0, "{}: expected weight_decay >= 0 (got {})", what, options.weight_decay_);
  JANUS_CHECK(!options.nesterov_ || (options.momentum_ > 0.0 && options.dampening_ == 0.0),
              "{}: Nesterov momentum needs momentum > 0 and dampening 0 (got momentum {}, dampening {})", what,
              options.momentum_, options.dampening_);
  JANUS_CHECK(!options.lr_in_velocity_ || options.dampening_ == 0.0,
              "{}: lr_in_velocity (Keras' momentum form) has no dampening (got dampening {})", what,
              options.dampening_);
}

void SGD::save_options(NamedTensors& out, const std::string& prefix, size_t group) const {
  const SGDOptions o = group_options(group);
  put_option(out, prefix, "momentum", {o.momentum_});
  put_option(out, prefix, "dampening", {o.dampening_});
  put_option(out, prefix, "weight_decay", {o.weight_decay_});
  put_option(out, prefix, "nesterov", {o.nesterov_ ? 1.0 : 0.0});
  put_option(out, prefix, "lr_in_velocity", {o.lr_in_velocity_ ? 1.0 : 0.0});
  put_option(out, prefix, "decoupled_weight_decay", {o.decoupled_weight_decay_ ? 1.0 : 0.0});
}

void SGD::save_state(NamedTensors& out, size_t slot, const std::string& prefix) const {
  const Tensor buf = momentum_buffer(slot);
  if (buf.defined()) out.emplace_back(prefix + "momentum_buffer", buf.clone());
}

std::function<void()> SGD::load_options_and_state(StateDictReader& r) {
  const bool absent_means_off = false;  // dicts saved before these options existed
  std::vector<SGDOptions> groups = read_group_options(r, [&](SGDOptions& o, size_t g) {
    o.momentum_ = group_option(r, g, "momentum", 1)[0];
    o.dampening_ = group_option(r, g, "dampening", 1)[0];
    o.weight_decay_ = group_option(r, g, "weight_decay", 1)[0];
    o.nesterov_ = group_bool_option(r, g, "nesterov");
    o.lr_in_velocity_ = group_bool_option(r, g, "lr_in_velocity", &absent_means_off);
    o.decoupled_weight_decay_ = group_bool_option(r, g, "decoupled_weight_decay", &absent_means_off);
  });
  std::vector<Tensor> buffers(num_params());
  for_each_slot([&](size_t s, size_t group) {
    const std::string key = "state." + std::to_string(s) + ".momentum_buffer";
    if (!r.has(key)) return;  // never updated: absent, as saved
    JANUS_CHECK(groups[group].momentum_ != 0.0, "{}: unexpected key '{}' (momentum is 0, SGD keeps no buffer)",
                r.what(), key);
    buffers[s] = r.get(key, param_shape(s)).clone();
  });
  return [this, groups = std::move(groups), buffers = std::move(buffers)]() mutable {
    install_group_options(std::move(groups));
    buffers_ = std::move(buffers);
  };
}

Tensor SGD::momentum_buffer(size_t slot) const { return slot < buffers_.size() ? buffers_[slot] : Tensor(); }

void SGD::step() {
  NoGradGuard no_grad;
  buffers_.resize(num_params());
  const std::vector<SGDOptions>& groups = every_group_options();
  for_each_param([&](Tensor& p, const Tensor& grad, double lr, size_t slot, size_t group) {
    JANUS_CHECK(grad.shape() == p.shape(), "SGD: gradient {} does not match parameter {}",
                shape_str(grad.shape()), shape_str(p.shape()));
    const SGDOptions& o = groups[group];
    const bool decoupled = o.decoupled_weight_decay_;
    const float wd = decoupled ? 0.0f : static_cast<float>(o.weight_decay_);  // the L2 term
    const float mu = static_cast<float>(o.momentum_);
    const float keep = static_cast<float>(1.0 - o.dampening_);
    const bool nesterov = o.nesterov_;
    const bool keras = o.lr_in_velocity_;
    if (decoupled) decay_decoupled(p, lr, o.weight_decay_);
    const int64_t n = p.numel();
    float* pp = p.data();
    const float* pg = grad.data();
    const float neg_lr = static_cast<float>(-lr);
    Tensor& buf = buffers_[slot];
    const bool first = !buf.defined();
    if (mu != 0.0f && first) buf = keras ? zeros(p.shape()) : empty(p.shape());
    float* pb = mu != 0.0f ? buf.data() : nullptr;
    if (keras && pb) {
      // Keras 3: v = momentum v - lr g (v starts at 0); p = p + v, or with Nesterov
      // p = p + (momentum v - lr g) using the new v.
      const float f_lr = static_cast<float>(lr);
      for (int64_t i = 0; i < n; ++i) {
        const float step = pg[i] * f_lr;
        pb[i] = pb[i] * mu - step;
        pp[i] = pp[i] + (nesterov ? pb[i] * mu - step : pb[i]);
      }
      return;
    }
    for (int64_t i = 0; i < n; ++i) {
      float d = pg[i];
      if (wd != 0.0f) d = d + wd * pp[i];
      if (pb) {
        pb[i] = first ? d : pb[i] * mu + keep * d;
        d = nesterov ? d + mu * pb[i] : pb[i];
      }
      pp[i] = pp[i] + neg_lr * d;
    }
  });
  ++steps_;
}

void SGD::set_group_momentum(size_t group, double value) {
  stored_group_options(group).momentum_ = value;
}

}  // namespace janus::optim
