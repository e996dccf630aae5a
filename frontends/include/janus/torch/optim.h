// janus::torch::optim: torch.optim's optimizers and schedulers, which are core's, with
// their state_dict() / load_state_dict() for checkpoint and resume; torch::save / torch::load
// write and read an optimizer's or scheduler's state as a safetensors file (as libtorch's
// torch::save(optimizer, "optimizer.pt")).
//
//   torch::optim::SGD opt(net->parameters(), torch::optim::SGDOptions(0.01).momentum(0.9));
//   opt.zero_grad(); loss.backward(); opt.step();
//   janus::NamedTensors state = opt.state_dict();   // ... later, in a new process:
//   opt.load_state_dict(state);                     // or torch::save(opt, p) / torch::load(opt, p)
// Model + optimizer + scheduler + epoch in one file: nn::save_training_checkpoint
// (janus/layers/checkpoint.h).
#pragma once

#include <janus/core/error.h>
#include <janus/core/optim/optim.h>
#include <janus/core/safetensors.h>

#include <string>

namespace janus::torch {
namespace optim = janus::optim;

inline void save(const optim::Optimizer& optimizer, const std::string& path) {
  save_safetensors(path, optimizer.state_dict());
}
// Errors name the file as well as the key.
inline void load(optim::Optimizer& optimizer, const std::string& path) {
  const NamedTensors state = load_safetensors(path);
  try {
    optimizer.load_state_dict(state);
  } catch (const Error& e) {
    throw Error(fmt::format("loading '{}': {}", path, e.what()));
  }
}
inline void save(const optim::LRScheduler& scheduler, const std::string& path) {
  save_safetensors(path, scheduler.state_dict());
}
inline void load(optim::LRScheduler& scheduler, const std::string& path) {
  const NamedTensors state = load_safetensors(path);
  try {
    scheduler.load_state_dict(state);
  } catch (const Error& e) {
    throw Error(fmt::format("loading '{}': {}", path, e.what()));
  }
}

}  // namespace janus::torch
