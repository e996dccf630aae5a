// Keras optimizer descriptions -> core optimizers (Keras' defaults; Adam's epsilon 1e-7;
// SGD in Keras' momentum form with decoupled decay, Adam with weight_decay as AdamW), and
// CompiledOptimizer::apply(): Keras 3's step (the schedule at `iterations`, then the update).
#include <janus/core/optim/optim.h>
#include <janus/keras/optimizers.h>

namespace janus::keras::optimizers {

Optimizer Optimizer::from_name(const std::string& name) {
  if (name == "sgd" || name == "SGD") return SGD();
  if (name == "adam" || name == "Adam") return Adam();
  JANUS_FAIL("compile: unknown optimizer \"{}\" (expected \"sgd\" or \"adam\", or an optimizer object)", name);
}

// SGD: core SGD in Keras' forms (velocity holding the lr, decoupled decay). Adam with a
// weight decay: core AdamW, whose decoupled decay is Keras' (see optimizers.h).
std::unique_ptr<optim::Optimizer> Optimizer::make(std::vector<Tensor> params) const {
  const double lr = learning_rate_.at(0);
  if (name_ == "sgd")
    return std::make_unique<optim::SGD>(std::move(params), optim::SGDOptions(lr)
                                                               .momentum(momentum_)
                                                               .nesterov(nesterov_)
                                                               .lr_in_velocity(true)
                                                               .weight_decay(weight_decay_)
                                                               .decoupled_weight_decay(true));
  if (name_ == "adam") {
    if (weight_decay_ == 0.0)
      return std::make_unique<optim::Adam>(std::move(params),
                                           optim::AdamOptions(lr).betas(beta_1_, beta_2_).eps(epsilon_));
    return std::make_unique<optim::AdamW>(
        std::move(params), optim::AdamWOptions(lr).betas(beta_1_, beta_2_).eps(epsilon_).weight_decay(weight_decay_));
  }
  JANUS_FAIL("compile: unknown optimizer \"{}\"", name_);
}

CompiledOptimizer::CompiledOptimizer(const Optimizer& spec, std::vector<Tensor> params) : spec_(spec) {
  JANUS_CHECK(spec.weight_decay_ >= 0.0, "{}: weight_decay must be >= 0 (got {})", spec.name_, spec.weight_decay_);
  // Keras compiles and fits a model without trainable weights (a Lambda-only model, say), but
  // the core optimizers refuse an empty parameter list as torch's do. Such a model's optimizer
  // gets one zero-element placeholder that never receives a gradient, so step() updates nothing
  // and still counts Keras' iterations.
  if (params.empty()) params.push_back(zeros({0}).requires_grad_());
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
  core_->set_lr(learning_rate());
  core_->step();  // the decoupled decay, with this lr, is the core optimizer's first act
}

}  // namespace janus::keras::optimizers
