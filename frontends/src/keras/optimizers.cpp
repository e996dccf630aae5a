// Keras optimizer descriptions -> core optimizers (Keras' defaults; Adam's epsilon 1e-7),
// and CompiledOptimizer::apply(): Keras 3's step (schedule at `iterations`, decoupled
// weight decay before the update).
#include <janus/core/autograd.h>
#include <janus/core/optim/optim.h>
#include <janus/keras/optimizers.h>

namespace janus::keras::optimizers {

Optimizer Optimizer::from_name(const std::string& name) {
  if (name == "sgd" || name == "SGD") return SGD();
  if (name == "adam" || name == "Adam") return Adam();
  JANUS_FAIL("compile: unknown optimizer \"{}\" (expected \"sgd\" or \"adam\", or an optimizer object)", name);
}

std::unique_ptr<optim::Optimizer> Optimizer::make(std::vector<Tensor> params) const {
  const double lr = learning_rate_.at(0);
  if (name_ == "sgd")
    return std::make_unique<optim::SGD>(std::move(params), optim::SGDOptions(lr).momentum(momentum_).nesterov(nesterov_));
  if (name_ == "adam")
    return std::make_unique<optim::Adam>(std::move(params),
                                         optim::AdamOptions(lr).betas(beta_1_, beta_2_).eps(epsilon_));
  JANUS_FAIL("compile: unknown optimizer \"{}\"", name_);
}

CompiledOptimizer::CompiledOptimizer(const Optimizer& spec, std::vector<Tensor> params) : spec_(spec) {
  JANUS_CHECK(spec.weight_decay_ >= 0.0, "{}: weight_decay must be >= 0 (got {})", spec.name_, spec.weight_decay_);
  core_ = spec.make(std::move(params));
}

double CompiledOptimizer::learning_rate() const {
  return spec_.learning_rate_.is_schedule() ? spec_.learning_rate_.at(iterations()) : core_->lr();
}

void CompiledOptimizer::set_learning_rate(double lr) {
  JANUS_CHECK(!has_schedule(),
              "{}: the learning rate is a LearningRateSchedule, so it cannot be set (create the optimizer with a "
              "float learning_rate to set it, e.g. from LearningRateScheduler)", spec_.name_);
  core_->set_lr(lr);
}

void CompiledOptimizer::apply() {
  const double lr = learning_rate();
  core_->set_lr(lr);
  if (spec_.weight_decay_ > 0.0) {
    NoGradGuard no_grad;
    const float shrink = static_cast<float>(spec_.weight_decay_ * lr);
    for (optim::ParamGroup& g : core_->param_groups())
      for (Tensor& p : g.params) {
        if (!p.grad().defined()) continue;  // as the core update, which skips it too
        float* v = p.data();
        for (int64_t i = 0, n = p.numel(); i < n; ++i) v[i] = v[i] - v[i] * shrink;
      }
  }
  core_->step();
}

}  // namespace janus::keras::optimizers
