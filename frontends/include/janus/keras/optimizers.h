// Keras optimizer objects: keras::optimizers::SGD(learning_rate=0.01, momentum=0,
// nesterov=False) and Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7).
// They are descriptions; Sequential::compile() makes core optimizers from them.
//
//   model.compile(keras::optimizers::SGD(0.01).momentum(0.9), "sparse_categorical_crossentropy");
#pragma once

#include <janus/core/optim/optimizer.h>

#include <memory>
#include <string>
#include <vector>

namespace janus::keras::optimizers {

struct Optimizer {
  // "sgd" or "adam" with Keras' defaults.
  static Optimizer from_name(const std::string& name);
  Optimizer& learning_rate(double v) { learning_rate_ = v; return *this; }
  std::string name_;
  double learning_rate_ = 0.01;
  double momentum_ = 0.0;
  bool nesterov_ = false;
  double beta_1_ = 0.9, beta_2_ = 0.999, epsilon_ = 1e-7;
  // The core optimizer over `params`.
  std::unique_ptr<optim::Optimizer> make(std::vector<Tensor> params) const;
};

struct SGD : Optimizer {
  explicit SGD(double learning_rate = 0.01) { name_ = "sgd"; learning_rate_ = learning_rate; }
  SGD& momentum(double v) { momentum_ = v; return *this; }
  SGD& nesterov(bool v) { nesterov_ = v; return *this; }
};

struct Adam : Optimizer {
  explicit Adam(double learning_rate = 0.001) { name_ = "adam"; learning_rate_ = learning_rate; }
  Adam& beta_1(double v) { beta_1_ = v; return *this; }
  Adam& beta_2(double v) { beta_2_ = v; return *this; }
  Adam& epsilon(double v) { epsilon_ = v; return *this; }
};

}  // namespace janus::keras::optimizers
