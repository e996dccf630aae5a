// nn::Dropout / nn::Dropout2d (whole channels): inverted dropout, active only in training mode (module.train()); identity
// after eval(). Draws its masks from the given Generator (the default one when null).
//
//   auto drop = std::make_shared<nn::Dropout>(0.5);
#pragma once

#include <janus/layers/module.h>

namespace janus::nn {

class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5, Generator* gen = nullptr);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  double p() const { return p_; }

 private:
  double p_;
  Generator* gen_;
};

class Dropout2d : public Module {
 public:
  explicit Dropout2d(double p = 0.5, Generator* gen = nullptr);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  double p() const { return p_; }

 private:
  double p_;
  Generator* gen_;
};

}  // namespace janus::nn
