// Optimizer base: parameter groups, zero_grad, the learning-rate accessors and the
// decoupled weight decay shared by SGD and AdamW.
#include <janus/core/optim/optimizer.h>

namespace janus::optim {

Optimizer::Optimizer(std::vector<Tensor> params, double lr, const char* name) : name_(name) {
  JANUS_CHECK(lr >= 0.0, "{}: expected a learning rate >= 0 (got {})", name, lr);
  // As torch: an optimizer of nothing would step() without effect, silently.
  JANUS_CHECK(!params.empty(), "{}: optimizer got an empty parameter list (hint: did the module register its "
              "parameters with register_parameter / register_module?)", name);
  add_param_group(std::move(params), lr);
}

void Optimizer::add_param_group(std::vector<Tensor> params, double lr) {
  JANUS_CHECK(lr >= 0.0, "{}: expected a learning rate >= 0 (got {})", name_, lr);
  for (size_t i = 0; i < params.size(); ++i) {
    JANUS_CHECK(params[i].defined(), "{}: parameter {} of group {} is an undefined tensor", name_, i,
                groups_.size());
    for (const ParamGroup& g : groups_)
      for (const Tensor& p : g.params)
        JANUS_CHECK(!p.same(params[i]), "{}: a parameter appears in more than one group", name_);
  }
  groups_.push_back(ParamGroup{std::move(params), lr});
}

void Optimizer::zero_grad() {
  for (ParamGroup& g : groups_)
    for (Tensor& p : g.params) p.zero_grad();
}

double Optimizer::lr() const { return groups_.front().lr; }

void Optimizer::set_lr(double lr) {
  JANUS_CHECK(lr >= 0.0, "{}: expected a learning rate >= 0 (got {})", name_, lr);
  for (ParamGroup& g : groups_) g.lr = lr;
}

void Optimizer::decay_decoupled(Tensor& p, double lr, double weight_decay) {
  if (weight_decay == 0.0) return;
  const float factor = static_cast<float>(1.0 - lr * weight_decay);
  float* pp = p.data();
  for (int64_t i = 0, n = p.numel(); i < n; ++i) pp[i] = pp[i] * factor;
}

double Optimizer::group_momentum(size_t) const {
  JANUS_FAIL("{}: this optimizer has no momentum or beta1 to cycle (cycle_momentum needs one)", name_);
}

void Optimizer::set_group_momentum(size_t group, double) { group_momentum(group); }

size_t Optimizer::num_params() const {
  size_t n = 0;
  for (const ParamGroup& g : groups_) n += g.params.size();
  return n;
}

}  // namespace janus::optim
