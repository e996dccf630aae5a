// The train/evaluate loop the CIFAR examples share, on a torch-style module: per batch
// forward, cross-entropy, zero_grad, backward, optimizer step, scheduler step (per batch,
// as in shared/reference/torch_cifar_curves.py), with the epoch's mean loss and accuracy.
//
//   int64_t step = 0;
//   EpochStats s = train_epoch(*net, *loader, epoch, opt, &sched, step);
//   EpochStats t = evaluate(*net, *test_loader);
#pragma once
#include <janus/core/optim/optim.h>
#include <janus/datasets/data_loader.h>
#include <janus/layers/module.h>

#include <functional>

namespace janus::examples {

struct EpochStats {
  double loss = 0;             // mean cross-entropy per image
  double acc = 0;              // top-1 accuracy
  int64_t images = 0;
  double seconds = 0;          // wall time of the pass
  double data_wait_seconds = 0;  // of which the loop waited for the loader
};

// Called after each optimizer step with the global step (1-based) and the batch's input.
using StepHook = std::function<void(int64_t step, const Tensor& images)>;
// Called after each batch: batch index (0-based), batches in the epoch, running loss, running acc.
using ProgressHook = std::function<void(int64_t batch, int64_t batches, double loss, double acc)>;

// One training epoch. `global_step` is advanced by one per batch. Throws janus::Error if
// the loss becomes NaN or infinite (naming the epoch and step).
EpochStats train_epoch(nn::Module& net, datasets::DataLoader& loader, int64_t epoch, optim::Optimizer& opt,
                       optim::LRScheduler* sched, int64_t& global_step, const StepHook& after_step = {},
                       const ProgressHook& progress = {});

// Evaluation in eval() mode without gradients; restores the previous mode.
EpochStats evaluate(nn::Module& net, datasets::DataLoader& loader);

}  // namespace janus::examples
