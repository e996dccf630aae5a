// Keras optimizer objects: keras::optimizers::SGD(learning_rate=0.01, momentum=0,
// nesterov=False, weight_decay=None) and Adam(learning_rate=0.001, beta_1=0.9,
// beta_2=0.999, epsilon=1e-7, weight_decay=None). learning_rate is a float or a schedule
// (schedules.h). They are descriptions; Sequential::compile() turns one into a
// CompiledOptimizer, which steps a core optimizer with Keras 3's per-step rules.
//
//   model.compile(keras::optimizers::SGD(0.01).momentum(0.9).weight_decay(5e-3), "sparse_categorical_crossentropy");
#pragma once

#include <janus/core/optim/optimizer.h>
#include <janus/keras/schedules.h>

#include <memory>
#include <string>
#include <vector>

namespace janus::keras::optimizers {

struct Optimizer {
  // "sgd" or "adam" with Keras' defaults.
  static Optimizer from_name(const std::string& name);
  Optimizer& learning_rate(LearningRate v) { learning_rate_ = std::move(v); return *this; }
  // Keras' decoupled weight decay (default None = 0): before each update every trainable
  // variable is shrunk, variable -= variable * weight_decay * lr, with that step's lr.
  // It is not added to the gradient, so it does not pass through momentum or Adam's moments.
  // Core's decoupled decay does it (SGDOptions::decoupled_weight_decay, AdamW): the same
  // rule in the same place (first, with the step's lr); core rounds (1 - lr wd) to float
  // once and multiplies, Keras computes v - (v wd) lr, so results can differ in the last bit.
  Optimizer& weight_decay(double v) { weight_decay_ = v; return *this; }
  std::string name_;
  LearningRate learning_rate_ = 0.01;
  double weight_decay_ = 0.0;
  double momentum_ = 0.0;
  bool nesterov_ = false;
  double beta_1_ = 0.9, beta_2_ = 0.999, epsilon_ = 1e-7;
  // The core optimizer over `params` (its lr set to the step-0 learning rate, no decay).
  std::unique_ptr<optim::Optimizer> make(std::vector<Tensor> params) const;
};

// SGD's momentum is Keras 3's form (core SGDOptions::lr_in_velocity): v = momentum v - lr g,
// p += v (Nesterov: p += momentum v - lr g). Unlike PyTorch's b = momentum b + g, p -= lr b,
// the velocity keeps the rates it was built with, which matters under a schedule.
struct SGD : Optimizer {
  explicit SGD(LearningRate learning_rate = 0.01) { name_ = "sgd"; learning_rate_ = std::move(learning_rate); }
  SGD& momentum(double v) { momentum_ = v; return *this; }
  SGD& nesterov(bool v) { nesterov_ = v; return *this; }
  SGD& weight_decay(double v) { weight_decay_ = v; return *this; }
};

struct Adam : Optimizer {
  explicit Adam(LearningRate learning_rate = 0.001) { name_ = "adam"; learning_rate_ = std::move(learning_rate); }
  Adam& beta_1(double v) { beta_1_ = v; return *this; }
  Adam& beta_2(double v) { beta_2_ = v; return *this; }
  Adam& epsilon(double v) { epsilon_ = v; return *this; }
  Adam& weight_decay(double v) { weight_decay_ = v; return *this; }
};

// What compile() builds: the core optimizer plus Keras 3's step, apply():
//   lr = learning_rate(iterations); the core update with lr (its decoupled decay first:
//   variable -= variable * weight_decay * lr); iterations += 1.
// Adam's update itself is the core (PyTorch) one: eps is added to sqrt(v) / sqrt(1 - beta2^t)
// where Keras adds it to sqrt(v) (in torch's terms Keras' eps is eps / sqrt(1 - beta2^t)).
class CompiledOptimizer {
 public:
  CompiledOptimizer(const Optimizer& spec, std::vector<Tensor> params);
  // One update of every parameter that has a gradient.
  void apply();
  // Updates made so far (Keras' optimizer.iterations).
  int64_t iterations() const { return core_->steps(); }
  // The learning rate the next update uses (Keras' optimizer.learning_rate).
  double learning_rate() const;
  // Sets a float learning rate; throws janus::Error when the rate is a schedule (as Keras).
  void set_learning_rate(double lr);
  bool has_schedule() const { return spec_.learning_rate_.is_schedule(); }
  double weight_decay() const { return spec_.weight_decay_; }
  optim::Optimizer& core() { return *core_; }
  const Optimizer& spec() const { return spec_; }

 private:
  Optimizer spec_;
  std::unique_ptr<optim::Optimizer> core_;
};

}  // namespace janus::keras::optimizers
