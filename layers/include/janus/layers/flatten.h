// nn::Flatten: merges axes start_dim..end_dim (inclusive, negative from the end) into one,
// by default everything but the batch axis: (N, C, H, W) -> (N, C*H*W).
//
//   auto flat = std::make_shared<nn::Flatten>();
#pragma once

#include <janus/layers/module.h>

#include <cstdint>

namespace janus::nn {

class Flatten : public Module {
 public:
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t start_dim() const { return start_dim_; }
  int64_t end_dim() const { return end_dim_; }

 private:
  int64_t start_dim_;
  int64_t end_dim_;
};

}  // namespace janus::nn
