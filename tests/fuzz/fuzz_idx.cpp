// libFuzzer target: the raw IDX parser as images (3-D) and as labels (1-D) on arbitrary bytes
// must return or throw janus::Error.
#include <janus/core/error.h>
#include <janus/datasets/mnist.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> bytes(data, data + size);
  for (int rank : {3, 1}) {
    try {
      janus::datasets::parse_idx(bytes, rank, "fuzz.idx");
    } catch (const janus::Error&) {
    }
  }
  return 0;
}
