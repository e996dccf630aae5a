// One run of process_sweep: the benchmark CNN trained at a fixed GLOBAL batch over N
// data-parallel processes, either for real (this process is one rank of `mpirun -np N`) or
// simulated in one process with "ghost batches" (the global batch cut into the N shards, each
// through the model alone, gradients summed with weights n_c / B: what per-process BN at N
// processes computes, proven equal by tests/distributed's ghost_batches scenario).
//
//   RunResult r = run_sweep_point(cfg, data);   // every rank returns the same global figures
#pragma once
#include "common/cifar_data.h"

#include <cstdint>
#include <string>
#include <vector>

namespace janus::examples {

struct RunConfig {
  std::string norm;        // bn (per-process statistics), syncbn, gn, pcn, ... (bench_cnn.h kinds)
  int processes = 1;       // N: the mpirun world size, or the simulated count
  bool simulated = false;  // one process, ghost batches (only allowed without mpirun)
  int64_t global_batch = 32;
  int epochs = 1;
  double lr = 0.005;       // peak, at the global batch (it does not change with N)
  double warmup = 1.0;     // epochs of per-step linear warm-up, then per-step cosine to 0
  uint64_t seed = 0;
};

struct RunResult {
  std::vector<double> step_losses;  // mean cross-entropy over the GLOBAL batch, per step
  double train_loss = 0;            // mean over the last epoch
  double test_acc = 0, test_loss = 0;
  int64_t steps = 0;
  double seconds = 0;               // training wall time (this rank)
};

// "synchronized batch norm (SyncBatchNorm)" for syncbn, else norm_description(kind).
std::string sweep_norm_description(const std::string& norm);
// Throws janus::Error for an unknown norm name (syncbn included in the known ones).
void check_sweep_norm(const std::string& norm);

// Trains and evaluates (BN with running statistics: rank 0's, as DistributedDataParallel's
// broadcast_buffers gives every rank; the simulation keeps ghost 0's updates only).
RunResult run_sweep_point(const RunConfig& cfg, const CifarData& data);

}  // namespace janus::examples
