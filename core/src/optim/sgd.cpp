// SGD with momentum, dampening, Nesterov and L2 weight decay, in PyTorch's order of float
// operations, and Keras 3's variants (velocity holding the lr, decoupled weight decay) in
// Keras' order (see sgd.h for the rules).
#include <janus/core/autograd.h>
#include <janus/core/optim/sgd.h>

namespace janus::optim {

SGD::SGD(std::vector<Tensor> params, const SGDOptions& options)
    : Optimizer(std::move(params), options.lr_, "SGD"), options_(options) {
  check_options(options, "SGD");
}

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

void SGD::save_options(NamedTensors& out, const std::string& prefix) const {
  put_option(out, prefix, "momentum", {options_.momentum_});
  put_option(out, prefix, "dampening", {options_.dampening_});
  put_option(out, prefix, "weight_decay", {options_.weight_decay_});
  put_option(out, prefix, "nesterov", {options_.nesterov_ ? 1.0 : 0.0});
  put_option(out, prefix, "lr_in_velocity", {options_.lr_in_velocity_ ? 1.0 : 0.0});
  put_option(out, prefix, "decoupled_weight_decay", {options_.decoupled_weight_decay_ ? 1.0 : 0.0});
}

void SGD::save_state(NamedTensors& out, size_t slot, const std::string& prefix) const {
  const Tensor buf = momentum_buffer(slot);
  if (buf.defined()) out.emplace_back(prefix + "momentum_buffer", buf.clone());
}

std::function<void()> SGD::load_options_and_state(StateDictReader& r) {
  SGDOptions o = options_;
  o.momentum_ = shared_option(r, "momentum", 1)[0];
  o.dampening_ = shared_option(r, "dampening", 1)[0];
  o.weight_decay_ = shared_option(r, "weight_decay", 1)[0];
  o.nesterov_ = shared_bool_option(r, "nesterov");
  const bool absent_means_off = false;  // dicts saved before these options existed
  o.lr_in_velocity_ = shared_bool_option(r, "lr_in_velocity", &absent_means_off);
  o.decoupled_weight_decay_ = shared_bool_option(r, "decoupled_weight_decay", &absent_means_off);
  check_options(o, r.what());
  std::vector<Tensor> buffers(num_params());
  for (size_t s = 0; s < buffers.size(); ++s) {
    const std::string key = "state." + std::to_string(s) + ".momentum_buffer";
    if (!r.has(key)) continue;  // never updated: absent, as saved
    JANUS_CHECK(o.momentum_ != 0.0, "{}: unexpected key '{}' (momentum is 0, SGD keeps no buffer)", r.what(), key);
    buffers[s] = r.get(key, param_shape(s)).clone();
  }
  return [this, o, buffers = std::move(buffers)]() mutable {
    options_.momentum_ = o.momentum_;
    options_.dampening_ = o.dampening_;
    options_.weight_decay_ = o.weight_decay_;
    options_.nesterov_ = o.nesterov_;
    options_.lr_in_velocity_ = o.lr_in_velocity_;
    options_.decoupled_weight_decay_ = o.decoupled_weight_decay_;
    buffers_ = std::move(buffers);
  };
}

Tensor SGD::momentum_buffer(size_t slot) const { return slot < buffers_.size() ? buffers_[slot] : Tensor(); }

void SGD::step() {
  NoGradGuard no_grad;
  buffers_.resize(num_params());
  const bool decoupled = options_.decoupled_weight_decay_;
  const float wd = decoupled ? 0.0f : static_cast<float>(options_.weight_decay_);  // the L2 term
  const float mu = static_cast<float>(options_.momentum_);
  const float keep = static_cast<float>(1.0 - options_.dampening_);
  const bool nesterov = options_.nesterov_;
  const bool keras = options_.lr_in_velocity_;
  for_each_param([&](Tensor& p, const Tensor& grad, double lr, size_t slot) {
    JANUS_CHECK(grad.shape() == p.shape(), "SGD: gradient {} does not match parameter {}",
                shape_str(grad.shape()), shape_str(p.shape()));
    if (decoupled) decay_decoupled(p, lr, options_.weight_decay_);
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

}  // namespace janus::optim
