// The data flags of the CIFAR-style examples (compare_norms, train_cifar, batch_size_sweep):
// --data synthetic|DIR, --train-files, --test-files, --train-size, --test-size.
//
//   DataFlags data;  data.spec.train_size = 4000;  data.spec.test_size = 1000;  // synthetic defaults
//   add_data_flags(app, data);
//   ... parse ...
//   const DataSpec spec = finish_data_flags(app, data);   // CIFAR: sizes default to "all"
#pragma once
#include "common/cifar_data.h"

#include <CLI/CLI.hpp>

#include <string>

namespace janus::examples {

struct DataFlags {
  DataSpec spec;                        // train_size/test_size: the synthetic defaults
  std::string train_files, test_files;  // comma-separated, CIFAR only
  bool cifar_all_by_default = true;     // false: the size defaults also cap CIFAR (batch_size_sweep)
  bool synthetic() const { return spec.data == "synthetic"; }
};

void add_data_flags(CLI::App& app, DataFlags& flags);

// After parsing: with --data DIR, --train-size/--test-size not given mean all images (unless
// cifar_all_by_default is false); the file lists go into spec.train_files/test_files.
DataSpec finish_data_flags(const CLI::App& app, DataFlags& flags);

}  // namespace janus::examples
