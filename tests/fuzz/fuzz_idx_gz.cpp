// libFuzzer target: read_idx on arbitrary bytes as a file, which gunzips (streamed, under the
// bound the IDX header sets) whatever starts with the gzip magic; must return or throw
// janus::Error. The seeds are gzipped IDX files.
#include <janus/core/error.h>
#include <janus/datasets/mnist.h>

#include "memfd_path.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static janus::fuzz::MemFile file;
  const std::string path = file.set(data, size);
  for (int rank : {3, 1}) {
    try {
      janus::datasets::read_idx(path, rank);
    } catch (const janus::Error&) {
    }
  }
  return 0;
}
