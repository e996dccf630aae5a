// add_data_flags / finish_data_flags: --data and its companions, shared by the CIFAR examples.
#include "common/data_flags.h"

#include <fmt/format.h>

namespace janus::examples {

void add_data_flags(CLI::App& app, DataFlags& flags) {
  app.add_option("--data", flags.spec.data, "'synthetic' or a CIFAR-10 binary directory")->capture_default_str();
  app.add_option("--train-files", flags.train_files,
                 "CIFAR files for training, comma-separated (default data_batch_1..5, or 1..4 when test_batch.bin "
                 "is absent)");
  app.add_option("--test-files", flags.test_files,
                 "CIFAR files for testing (default test_batch.bin, else data_batch_5.bin)");
  // The defaults are written into the text by hand (no capture_default_str): the value in
  // the struct is the synthetic one, and on CIFAR an absent flag usually means all images.
  const auto size_help = [&](const char* what, int64_t n) {
    const bool all = flags.cifar_all_by_default;
    return fmt::format("{} images: synthetic, how many to draw; CIFAR, use the first n, 0 = all (default {}{}, "
                       "{})",
                       what, n, all ? " synthetic" : "", all ? "all on CIFAR" : "on CIFAR too");
  };
  app.add_option("--train-size", flags.spec.train_size, size_help("training", flags.spec.train_size));
  app.add_option("--test-size", flags.spec.test_size, size_help("test", flags.spec.test_size));
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
