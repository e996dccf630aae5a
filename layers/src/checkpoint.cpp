// Module <-> safetensors file.
#include <janus/layers/checkpoint.h>

#include <janus/core/autograd.h>

namespace janus::nn {

void save_state_dict(const Module& module, const std::string& path,
                     const std::map<std::string, std::string>& metadata) {
  save_safetensors(path, module.state_dict(), metadata);
}

LoadResult load_state_dict(Module& module, const std::string& path, bool strict) {
  const NamedTensors dict = load_safetensors(path);
  try {
    return module.load_state_dict(dict, strict);
  } catch (const Error& e) {
    throw Error(fmt::format("loading '{}': {}", path, e.what()));
  }
}

}  // namespace janus::nn
