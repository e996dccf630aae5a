// Keras optimizer descriptions -> core optimizers (Keras' defaults; Adam's epsilon 1e-7).
#include <janus/core/optim/optim.h>
#include <janus/keras/optimizers.h>

namespace janus::keras::optimizers {

Optimizer Optimizer::from_name(const std::string& name) {
  if (name == "sgd" || name == "SGD") return SGD();
  if (name == "adam" || name == "Adam") return Adam();
  JANUS_FAIL("compile: unknown optimizer \"{}\" (expected \"sgd\" or \"adam\", or an optimizer object)", name);
}

std::unique_ptr<optim::Optimizer> Optimizer::make(std::vector<Tensor> params) const {
  if (name_ == "sgd")
    return std::make_unique<optim::SGD>(std::move(params),
                                        optim::SGDOptions(learning_rate_).momentum(momentum_).nesterov(nesterov_));
  if (name_ == "adam")
    return std::make_unique<optim::Adam>(
        std::move(params), optim::AdamOptions(learning_rate_).betas(beta_1_, beta_2_).eps(epsilon_));
  JANUS_FAIL("compile: unknown optimizer \"{}\"", name_);
}

}  // namespace janus::keras::optimizers
