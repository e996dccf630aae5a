// janus::torch::nn::utils: torch.nn.utils' gradient clipping, on the .grad of parameters.
//
//   loss.backward();
//   torch::nn::utils::clip_grad_norm_(net->parameters(), 1.0);   // returns the total norm
//   opt.step();
#pragma once

#include <janus/core/tensor.h>

#include <vector>

namespace janus::torch::nn::utils {

// Scales every defined gradient by min(1, max_norm / (total_norm + 1e-6)), where total_norm is
// the norm_type-norm of all gradients together (norm_type may be infinity: the largest |g|),
// and returns total_norm as a 0-d tensor (0 when no parameter has a gradient), as torch does.
// With error_if_nonfinite a nan/inf total norm throws instead of scaling.
Tensor clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);
// Clamps every defined gradient element into [-clip_value, clip_value].
void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value);

}  // namespace janus::torch::nn::utils
