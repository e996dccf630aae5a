// Parameter-free activation layers: nn::ReLU, nn::Sigmoid, nn::Tanh, nn::LeakyReLU (slope
// 0.01 by default), nn::Softmax(dim), and nn::Identity.
//
//   auto seq = std::make_shared<nn::Sequential>();
//   seq->push_back(std::make_shared<nn::ReLU>());
#pragma once

#include <janus/layers/module.h>

#include <cstdint>

namespace janus::nn {

class ReLU : public Module {
 public:
  ReLU() : Module("ReLU") {}
  Tensor forward(const Tensor& x) override;
};

class Sigmoid : public Module {
 public:
  Sigmoid() : Module("Sigmoid") {}
  Tensor forward(const Tensor& x) override;
};

class Tanh : public Module {
 public:
  Tanh() : Module("Tanh") {}
  Tensor forward(const Tensor& x) override;
};

class Identity : public Module {
 public:
  Identity() : Module("Identity") {}
  Tensor forward(const Tensor& x) override { return x; }
};

class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(double negative_slope = 0.01) : Module("LeakyReLU"), negative_slope_(negative_slope) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  double negative_slope() const { return negative_slope_; }

 private:
  double negative_slope_;
};

// Softmax over `dim` (torch's nn.Softmax(dim); janus requires the axis).
class Softmax : public Module {
 public:
  explicit Softmax(int64_t dim) : Module("Softmax"), dim_(dim) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

 private:
  int64_t dim_;
};

}  // namespace janus::nn
