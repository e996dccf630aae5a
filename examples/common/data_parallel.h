// The examples under `mpirun -np N`: rank 0 of 1 without mpirun, else data-parallel over N
// processes. --batch stays the global batch (rank r takes its slice shard_range(batch, r, N)
// of every global batch of one global permutation, augmentation drawn per sample); the model
// is wrapped in DistributedDataParallel; per-step and epoch figures are sums over ranks, so
// they are the one-process figures of the global batch; only rank 0 prints and writes (the
// other ranks' stdout goes to /dev/null; CSV, plot and checkpoint writers skip them).
//
//   auto model = data_parallel(net);                    // net itself without mpirun
//   EpochStats s = train_epoch(*model, *loader, ...);   // global loss and accuracy
#pragma once
#include <janus/core/process_group.h>
#include <janus/layers/module.h>

#include <memory>
#include <string>

namespace janus::examples {

// True under mpirun (also -np 1): loaders shard and augment per sample.
bool under_mpirun();
// Rank and size of this program (0 and 1 without mpirun).
int rank();
int world_size();
inline bool is_root() { return rank() == 0; }

// Joins MPI under mpirun (distributed::init) and sends stdout of ranks other than 0 to
// /dev/null.
void init_data_parallel();

// parse_flags keeps the command line; check_same_command_line (run_reporting_errors calls
// it under mpirun) raises on every rank when a rank was started with other arguments or
// another JANUS_DETERMINISTIC (mpirun's "A : B" form): its ranks would build other models or
// loaders, and a rank with other steps per epoch would wait in a collective forever.
void remember_command_line(int argc, char** argv);
void check_same_command_line(const std::string& program);

// The default thread count of one rank: JANUS_NUM_THREADS, else the cores divided by the
// ranks on this node (OMPI_COMM_WORLD_LOCAL_SIZE), at least 1; all cores without mpirun.
int default_threads_per_rank();

// Under mpirun every rank needs at least one sample of each global batch: a janus::Error
// naming --batch when global_batch < world_size() (uneven shards are fine and exact).
void check_global_batch(int64_t global_batch);

// "data parallel: 2 processes (Open MPI), global batch 63 (31-32 per process), ..." under
// mpirun; "" without it.
std::string data_parallel_line(int64_t global_batch);

// net wrapped in torch::nn::parallel::DistributedDataParallel under mpirun, else net.
std::shared_ptr<nn::Module> data_parallel(std::shared_ptr<nn::Module> net);

// Sums values over ranks in place (a no-op for one process).
void sum_over_ranks(double* values, int64_t n);

}  // namespace janus::examples
