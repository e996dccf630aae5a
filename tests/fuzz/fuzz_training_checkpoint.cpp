// libFuzzer target: load_training_checkpoint on arbitrary bytes (as an in-memory file) into a
// small MLP with SGD momentum and a LambdaLR, as train_cifar --resume does. The fuzz build
// defines FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION, which makes a checksum mismatch non-fatal
// so that mutated files reach the optimizer, scheduler and model loaders.
#include <janus/core/error.h>
#include <janus/core/optim/optim.h>
#include <janus/layers/activation.h>
#include <janus/layers/checkpoint.h>
#include <janus/layers/linear.h>
#include <janus/layers/norm.h>
#include <janus/layers/sequential.h>

#include "memfd_path.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace janus;
  static fuzz::MemFile file;
  const std::string path = file.set(data, size);
  auto net = std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Linear>(3, 4), std::make_shared<nn::BatchNorm1d>(nn::BatchNormOptions(4)),
      std::make_shared<nn::ReLU>(), std::make_shared<nn::Linear>(4, 2)});
  optim::SGD opt(net->parameters(), optim::SGDOptions(0.1).momentum(0.9).weight_decay(1e-4));
  optim::LambdaLR sched(opt, optim::warmup_cosine(2, 8));
  try {
    nn::load_training_checkpoint(path, *net, opt, &sched, {{"--epochs", "4"}});
  } catch (const Error&) {
  }
  return 0;
}
