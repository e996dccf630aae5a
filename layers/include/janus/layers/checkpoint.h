// Module checkpoints in the safetensors format, with the module's dotted state-dict names,
// so that files move to and from PyTorch (model.state_dict() saved with safetensors).
//
//   nn::save_state_dict(*net, "net.safetensors");
//   nn::load_state_dict(*net, "net.safetensors");          // strict: names and shapes must match
//
// Training checkpoints hold everything a resumed run needs in one file: the model, the
// optimizer, the LR scheduler (optional), the number of finished epochs and the run's
// settings (what the schedule was built from), which a resume must give again.
//   nn::RunSettings run = {{"--epochs", "5"}, {"--batch", "64"}};
//   nn::save_training_checkpoint("ckpt.safetensors", *net, opt, &sched, epoch + 1, run);
//   int64_t start = nn::load_training_checkpoint("ckpt.safetensors", *net, opt, &sched, run);
#pragma once

#include <janus/core/optim/lr_scheduler.h>
#include <janus/core/optim/optimizer.h>
#include <janus/layers/module.h>

#include <map>
#include <string>

namespace janus::nn {

void save_state_dict(const Module& module, const std::string& path,
                     const std::map<std::string, std::string>& metadata = {});
// Errors name the file as well as the keys that did not match.
LoadResult load_state_dict(Module& module, const std::string& path, bool strict = true);

// A run's settings by name (e.g. a flag "--epochs" -> "5"): whatever a resumed run must
// repeat to continue the same run, such as what an LR lambda was built from (a LambdaLR's
// function is code, not state, so it cannot be saved). Stored in the file's safetensors
// metadata as "run.<name>" = value; values are compared as text, so write numbers the same
// way on both sides (fmt's "{}" is exact for doubles).
using RunSettings = std::map<std::string, std::string>;

// Writes atomically (save_safetensors) one file with the keys
//   model.<state-dict name>    the module's state dict (parameters and buffers)
//   optimizer.<key>            optimizer.state_dict() (see optimizer.h)
//   scheduler.<key>            scheduler->state_dict(), when a scheduler is given
//   epoch                      `epoch` (the finished epochs) as an exact (3,) double
// and metadata format = "janus.training_checkpoint", optimizer, scheduler, epoch,
// run.<name> for each of `settings` (names must be non-empty), optimizer.state_slots (the
// parameter slots that have optimizer state, e.g. "0,1,2") and checksum: "fnv1a64:<hex>",
// FNV-1a 64 over every other metadata key and value (in key order, each followed by a 0
// byte), then every tensor in name order (its name and a 0 byte, rank and sizes as 8-byte
// little-endian integers, its float32 data).
// The model part is PyTorch's model.state_dict() under the "model." prefix.
void save_training_checkpoint(const std::string& path, const Module& model, const optim::Optimizer& optimizer,
                              const optim::LRScheduler* scheduler, int64_t epoch, const RunSettings& settings = {});
// Restores model (strict), optimizer and scheduler from such a file and returns its epoch.
// The file must carry its checksum and match it, hold finite values only, and hold optimizer
// state for exactly the slots it was saved with (a dropped momentum buffer is an error, not
// a silent restart from zero).
// First every entry of `expected` must equal the file's run setting of that name (one the
// file lacks is a mismatch too; settings the file has beyond `expected` are not checked):
// a mismatch throws "<name>: the checkpoint has <value>, given <value>". Either everything
// is restored or, on any error (a janus::Error naming the file and the key), nothing is:
// the optimizer and scheduler are put back as they were. A scheduler must be passed
// exactly when the file holds one.
int64_t load_training_checkpoint(const std::string& path, Module& model, optim::Optimizer& optimizer,
                                 optim::LRScheduler* scheduler, const RunSettings& expected = {});
// The run settings stored in a training checkpoint (empty for a file written without).
RunSettings read_run_settings(const std::string& path);

}  // namespace janus::nn
