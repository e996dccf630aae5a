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
#include <janus/torch/nn_utils.h>

#include <string>

namespace janus::torch::nn {

using namespace janus::nn;  // Module, Sequential, Conv2d, BatchNorm2d, ... under torch's names
namespace F = functional;

// nn.CrossEntropyLoss's options, torch's defaults: no class weight, ignore_index -100,
// reduction "mean" (divided by the summed weight of the kept labels), label_smoothing 0.
struct CrossEntropyLossOptions {
  CrossEntropyLossOptions& weight(const Tensor& v) { weight_ = v; return *this; }
  CrossEntropyLossOptions& ignore_index(int64_t v) { ignore_index_ = v; return *this; }
  CrossEntropyLossOptions& reduction(std::string v) { reduction_ = std::move(v); return *this; }  // mean|sum|none
  CrossEntropyLossOptions& label_smoothing(double v) { label_smoothing_ = v; return *this; }
  Tensor weight_;
  int64_t ignore_index_ = -100;
  std::string reduction_ = "mean";
  double label_smoothing_ = 0.0;
};

// nn.CrossEntropyLoss: logits (N, C) against class indices (N) stored as floats.
class CrossEntropyLoss {
 public:
  explicit CrossEntropyLoss(double label_smoothing = 0.0)
      : options_(CrossEntropyLossOptions().label_smoothing(label_smoothing)) {}
  explicit CrossEntropyLoss(const CrossEntropyLossOptions& options) : options_(options) {}
  Tensor operator()(const Tensor& logits, const Tensor& target) const;
  Tensor forward(const Tensor& logits, const Tensor& target) const { return (*this)(logits, target); }

 private:
  CrossEntropyLossOptions options_;
};

// nn.NLLLoss on log-probabilities (N, C) (core's nll_loss: weight, ignore_index, reduction).
using janus::NLLLossOptions;
class NLLLoss {
 public:
  explicit NLLLoss(const NLLLossOptions& options = {}) : options_(options) {}
  Tensor operator()(const Tensor& log_probs, const Tensor& target) const;
  Tensor forward(const Tensor& log_probs, const Tensor& target) const { return (*this)(log_probs, target); }

 private:
  NLLLossOptions options_;
};

// nn.BCEWithLogitsLoss (core's binary_cross_entropy_with_logits: weight, pos_weight, reduction).
using BCEWithLogitsLossOptions = janus::BCEWithLogitsOptions;
class BCEWithLogitsLoss {
 public:
  explicit BCEWithLogitsLoss(const BCEWithLogitsLossOptions& options = {}) : options_(options) {}
  Tensor operator()(const Tensor& logits, const Tensor& target) const;
  Tensor forward(const Tensor& logits, const Tensor& target) const { return (*this)(logits, target); }

 private:
  BCEWithLogitsLossOptions options_;
};

// nn.MSELoss(): mean of squared differences.
class MSELoss {
 public:
  Tensor operator()(const Tensor& input, const Tensor& target) const;
  Tensor forward(const Tensor& input, const Tensor& target) const { return (*this)(input, target); }
};

}  // namespace janus::torch::nn
