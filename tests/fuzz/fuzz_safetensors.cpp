// libFuzzer target: parse_safetensors on arbitrary bytes must return or throw janus::Error.
#include <janus/core/error.h>
#include <janus/core/safetensors.h>

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    janus::parse_safetensors(std::string(reinterpret_cast<const char*>(data), size), "fuzz.safetensors");
  } catch (const janus::Error&) {
  }
  return 0;
}
