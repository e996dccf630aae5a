// janus::torch::nn: the PyTorch-style module API. The modules are the layers library's
// (Module, Sequential, ModuleList, Conv2d, Linear, BatchNorm2d, ...), re-exported under
// torch's names, plus the loss modules. Eager by default: calling a module runs its ops at
// once, define-by-run; torch::compile() (compile.h) traces it into a Graph.
//
//   using namespace janus::torch;
//   auto net = std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
//       std::make_shared<nn::Conv2d>(nn::Conv2dOptions(3, 8, 3).padding(1)),
//       std::make_shared<nn::ReLU>(), std::make_shared<nn::Flatten>(),
//       std::make_shared<nn::Linear>(8 * 32 * 32, 10)});
//   nn::CrossEntropyLoss criterion;
//   Tensor loss = criterion((*net)(x), y);  loss.backward();
#pragma once

#include <janus/layers/activation.h>
#include <janus/layers/conv.h>
#include <janus/layers/dropout.h>
#include <janus/layers/flatten.h>
#include <janus/layers/linear.h>
#include <janus/layers/module.h>
#include <janus/layers/norm.h>
#include <janus/layers/pool.h>
#include <janus/layers/sequential.h>
#include <janus/torch/functional.h>

namespace janus::torch::nn {

using namespace janus::nn;  // Module, Sequential, Conv2d, BatchNorm2d, ... under torch's names
namespace F = functional;

// nn.CrossEntropyLoss(label_smoothing=0): mean over the batch; targets are class indices.
class CrossEntropyLoss {
 public:
  explicit CrossEntropyLoss(double label_smoothing = 0.0) : label_smoothing_(label_smoothing) {}
  Tensor operator()(const Tensor& logits, const Tensor& target) const;
  Tensor forward(const Tensor& logits, const Tensor& target) const { return (*this)(logits, target); }

 private:
  double label_smoothing_;
};

// nn.MSELoss(): mean of squared differences.
class MSELoss {
 public:
  Tensor operator()(const Tensor& input, const Tensor& target) const;
  Tensor forward(const Tensor& input, const Tensor& target) const { return (*this)(input, target); }
};

}  // namespace janus::torch::nn
