// The peak learning rate of the CIFAR examples' recipe (compare_norms, train_cifar): the
// reference's 0.05 (shared/reference/torch_cifar_curves.py) on CIFAR-10, 0.01 on the small
// synthetic set. Measured: at 0.05 this net stalls at chance on the synthetic set in PyTorch
// too (torch_cifar_curves.py on the same images dumped as CIFAR .bin files), and on tiny
// runs its loss blows up (compare_norms --lr 0.05 --train-size 512: test loss 66 after one
// epoch); at 0.01 it learns within the demo's few minutes. An explicit --lr always wins.
#pragma once
#include "common/data_flags.h"

#include <CLI/CLI.hpp>

namespace janus::examples {

constexpr double kReferencePeakLr = 0.05;
constexpr double kSyntheticPeakLr = 0.01;

void add_peak_lr_flag(CLI::App& app, double& lr);
// After parsing: the default above for the data when --lr was not given, else `lr` as given.
double resolve_peak_lr(const CLI::App& app, const DataFlags& data, double lr);

}  // namespace janus::examples
