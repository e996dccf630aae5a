// Data-parallel processes on Open MPI. A program calls init() first thing; under
// `mpirun -np N program ...` it joins MPI_COMM_WORLD and installs the MPI process group as
// core's default (core/process_group.h), so SyncBN, DistributedDataParallel and the
// distributed sampler see rank and size. Without mpirun it is rank 0 of 1 and MPI is never
// initialized. run() wraps main so that an error on any rank ends the whole job.
//
//   int main(int argc, char** argv) {
//     return janus::distributed::run(argc, argv, [&] {
//       janus::ProcessGroup& pg = janus::process_group();   // rank(), size()
//       ...                                                 // a throw aborts every rank
//       return 0;
//     });
//   }
#pragma once

#include <janus/core/process_group.h>

#include <functional>
#include <memory>

namespace janus::distributed {

// True when this process was started by mpirun/srun (Open MPI's or PMI's environment).
bool launched_by_mpirun();

// Joins MPI when launched_by_mpirun(), installs its group with set_process_group and
// returns it; otherwise returns the single-process group. Idempotent. MPI is finalized at
// exit. Also installs a std::terminate handler that aborts the job.
std::shared_ptr<ProcessGroup> init(int* argc = nullptr, char*** argv = nullptr);

// Leaves MPI after a successful run (every rank calls it; a no-op without MPI).
void finalize();

// init(), then fn(); an exception escaping fn on any rank prints "rank r of N: <what>" and
// ends every rank with MPI_Abort (exit code 1), so no rank waits forever in a collective.
int run(int argc, char** argv, const std::function<int()>& fn);

}  // namespace janus::distributed
