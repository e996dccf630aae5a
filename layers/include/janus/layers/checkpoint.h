// Module checkpoints in the safetensors format, with the module's dotted state-dict names,
// so that files move to and from PyTorch (model.state_dict() saved with safetensors).
//
//   nn::save_state_dict(*net, "net.safetensors");
//   nn::load_state_dict(*net, "net.safetensors");          // strict: names and shapes must match
#pragma once

#include <janus/layers/module.h>

#include <map>
#include <string>

namespace janus::nn {

void save_state_dict(const Module& module, const std::string& path,
                     const std::map<std::string, std::string>& metadata = {});
// Errors name the file as well as the keys that did not match.
LoadResult load_state_dict(Module& module, const std::string& path, bool strict = true);

}  // namespace janus::nn
