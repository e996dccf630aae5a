// nn::Linear: y = x W^T + b with W (out, in), PyTorch's layout, on input (N, in) or
// (..., in) with any leading axes.
//
//   auto fc = std::make_shared<nn::Linear>(128, 10);              // bias on, torch init
//   auto fc2 = std::make_shared<nn::Linear>(nn::LinearOptions(128, 10).init(nn::InitProfile::keras));
#pragma once

#include <janus/layers/init.h>
#include <janus/layers/module.h>

#include <cstdint>

namespace janus::nn {

struct LinearOptions {
  LinearOptions(int64_t in_features, int64_t out_features) : in_features_(in_features), out_features_(out_features) {}
  LinearOptions& bias(bool v) { bias_ = v; return *this; }
  LinearOptions& init(InitProfile v) { init_ = v; return *this; }
  LinearOptions& generator(Generator* v) { generator_ = v; return *this; }
  int64_t in_features_;
  int64_t out_features_;
  bool bias_ = true;
  InitProfile init_ = InitProfile::torch;
  Generator* generator_ = nullptr;
};

class Linear : public Module {
 public:
  explicit Linear(const LinearOptions& options);
  Linear(int64_t in_features, int64_t out_features, bool bias = true)
      : Linear(LinearOptions(in_features, out_features).bias(bias)) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  void reset_parameters(InitProfile profile, Generator* gen = nullptr);
  const LinearOptions& options() const { return options_; }

  Tensor weight;  // (out, in)
  Tensor bias;    // (out), undefined without bias

 private:
  LinearOptions options_;
};

}  // namespace janus::nn
