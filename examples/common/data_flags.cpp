// add_data_flags / finish_data_flags: --data and its companions, shared by the CIFAR examples.
#include "common/data_flags.h"

namespace janus::examples {

void add_data_flags(CLI::App& app, DataFlags& flags) {
  app.add_option("--data", flags.spec.data, "'synthetic' or a CIFAR-10 binary directory")->capture_default_str();
  app.add_option("--train-files", flags.train_files,
                 "CIFAR files for training, comma-separated (default data_batch_1..5, or 1..4 when test_batch.bin "
                 "is absent)");
  app.add_option("--test-files", flags.test_files,
                 "CIFAR files for testing (default test_batch.bin, else data_batch_5.bin)");
  app.add_option("--train-size", flags.spec.train_size, "synthetic: training images; CIFAR: use the first n (0 = all)")
      ->capture_default_str();
  app.add_option("--test-size", flags.spec.test_size, "synthetic: test images; CIFAR: first n (0 = all)")
      ->capture_default_str();
}

DataSpec finish_data_flags(const CLI::App& app, DataFlags& flags) {
  if (!flags.synthetic() && flags.cifar_all_by_default) {
    if (app.count("--train-size") == 0) flags.spec.train_size = 0;
    if (app.count("--test-size") == 0) flags.spec.test_size = 0;
  }
  flags.spec.train_files = split_list(flags.train_files);
  flags.spec.test_files = split_list(flags.test_files);
  return flags.spec;
}

}  // namespace janus::examples
