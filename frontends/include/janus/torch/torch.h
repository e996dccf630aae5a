// The PyTorch-style frontend in one include: torch::nn (modules, losses), torch::nn::functional,
// torch::optim and torch::compile.
//
//   #include <janus/torch/torch.h>
//   namespace torch = janus::torch;
//   namespace F = torch::nn::functional;
#pragma once

#include <janus/torch/compile.h>
#include <janus/torch/distributed.h>
#include <janus/torch/functional.h>
#include <janus/torch/nn.h>
#include <janus/torch/optim.h>
