// libFuzzer target: the CIFAR-10 batch parser and the batches.meta.txt reader on arbitrary
// bytes must return or throw janus::Error.
#include <janus/core/error.h>
#include <janus/datasets/cifar.h>

#include "memfd_path.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace janus;
  static fuzz::MemFile file;
  try {
    datasets::parse_cifar10(std::vector<uint8_t>(data, data + size), "fuzz.bin", datasets::cifar10_class_names());
  } catch (const Error&) {
  }
  try {
    datasets::read_cifar10_meta(file.set(data, size));
  } catch (const Error&) {
  }
  return 0;
}
