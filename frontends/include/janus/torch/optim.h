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
#include <type_traits>

namespace janus::torch {
namespace optim = janus::optim;

// What torch::save / torch::load take: an optimizer or an LR scheduler (anything with
// state_dict() / load_state_dict() from core's optim).
template <typename T>
using EnableIfOptimState = std::enable_if_t<std::is_base_of<optim::Optimizer, T>::value ||
                                            std::is_base_of<optim::LRScheduler, T>::value ||
                                            std::is_same<optim::ReduceLROnPlateau, T>::value>;

template <typename T, typename = EnableIfOptimState<T>>
void save(const T& object, const std::string& path) {
  save_safetensors(path, object.state_dict());
}
// Errors name the file as well as the key.
template <typename T, typename = EnableIfOptimState<T>>
void load(T& object, const std::string& path) {
  const NamedTensors state = load_safetensors(path);
  try {
    object.load_state_dict(state);
  } catch (const Error& e) {
    throw Error(fmt::format("loading '{}': {}", path, e.what()));
  }
}

}  // namespace janus::torch
