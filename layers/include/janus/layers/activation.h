// Parameter-free activation layers: nn::ReLU, nn::Sigmoid, nn::Tanh.
//
//   auto seq = std::make_shared<nn::Sequential>();
//   seq->push_back(std::make_shared<nn::ReLU>());
#pragma once

#include <janus/layers/module.h>

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

}  // namespace janus::nn
