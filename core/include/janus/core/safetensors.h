// The safetensors checkpoint format: an 8-byte little-endian header length, a JSON header
// {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}},
// then raw little-endian tensor data. Files move to and from PyTorch
// (safetensors.torch.save_file / load_file). janus writes F32; it reads F32, and converts
// F64, F16, BF16 and I64 to float. Every malformed file is rejected with a janus::Error
// naming the file and the problem.
//
//   save_safetensors("model.safetensors", {{"fc.weight", w}, {"fc.bias", b}});
//   NamedTensors t = load_safetensors("model.safetensors");   // in data order
#pragma once

#include <janus/core/tensor.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace janus {

// An ordered list of named tensors (a state dict).
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

struct SafetensorsFile {
  NamedTensors tensors;                         // in the order of their data offsets
  std::map<std::string, std::string> metadata;  // the optional "__metadata__" object
};

// Writes atomically: a temporary file next to `path`, fsync, then rename over `path`.
// Names must be unique and non-empty; tensors must be defined.
void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// The largest safetensors file read_safetensors takes: janus' models are megabytes, and a file
// is read whole, so a bigger one is refused by its size before any allocation.
constexpr uint64_t kMaxSafetensorsFileBytes = uint64_t{8} << 30;  // 8 GiB

// Reads and validates the whole file (at most kMaxSafetensorsFileBytes).
SafetensorsFile read_safetensors(const std::string& path);
NamedTensors load_safetensors(const std::string& path);

// The same on an in-memory image of a file; `what` names the source in errors.
SafetensorsFile parse_safetensors(const std::string& bytes, const std::string& what);
std::string serialize_safetensors(const NamedTensors& tensors,
                                  const std::map<std::string, std::string>& metadata = {});

}  // namespace janus
