// The PyTorch-style frontend in one include: torch::nn (modules, losses, init, utils,
// save_state_dict / load_state_dict and training checkpoints), torch::nn::functional,
// torch::optim, torch::compile, torch::manual_seed and torch::NoGradGuard.
//
//   #include <janus/torch/torch.h>
//   namespace torch = janus::torch;
//   namespace F = torch::nn::functional;
#pragma once

#include <janus/core/autograd.h>
#include <janus/core/random.h>
#include <janus/layers/checkpoint.h>
#include <janus/layers/init.h>
#include <janus/torch/compile.h>
#include <janus/torch/distributed.h>
#include <janus/torch/functional.h>
#include <janus/torch/nn.h>
#include <janus/torch/optim.h>

namespace janus::torch {
// torch.manual_seed: seeds the default generator every op falls back to.
using janus::manual_seed;
// torch.no_grad() as a scope: torch::NoGradGuard no_grad;
using janus::NoGradGuard;
}  // namespace janus::torch
