// janus::torch::optim: torch.optim's optimizers and schedulers, which are core's.
//
//   torch::optim::SGD opt(net->parameters(), torch::optim::SGDOptions(0.01).momentum(0.9));
//   opt.zero_grad(); loss.backward(); opt.step();
#pragma once

#include <janus/core/optim/optim.h>

namespace janus::torch {
namespace optim = janus::optim;
}  // namespace janus::torch
