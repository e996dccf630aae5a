// add_threads_flag / parse_flags / run_reporting_errors: the shared main() plumbing.
#include "common/cli.h"
#include "common/data_parallel.h"

#include <janus/core/process_group.h>
#include <janus/distributed/distributed.h>

#include <janus/core/error.h>
#include <janus/core/parallel.h>

#include <fmt/format.h>

#include <cstdio>

namespace janus::examples {

void add_threads_flag(CLI::App& app, int& threads) {
  app.add_option("--threads", threads, "threads (0 = JANUS_NUM_THREADS or all cores)")->capture_default_str();
}

void apply_threads(int threads) {
  if (threads == 0) threads = default_threads_per_rank();  // under mpirun: the cores shared by the local ranks
  if (threads > 0) set_num_threads(threads);
}

void add_out_flag(CLI::App& app, std::string& out) {
  app.add_option("--out", out, "output directory")->capture_default_str();
}

int parse_flags(CLI::App& app, int argc, char** argv) {
  remember_command_line(argc, argv);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return -1;
}

int run_reporting_errors(const std::string& program, const std::function<int()>& body) {
  // Under mpirun an error on any rank ends every rank (MPI_Abort), never a hang.
  std::string what;
  try {
    init_data_parallel();
    check_same_command_line(program);
    const int rc = body();
    if (rc != 0 && world_size() > 1) process_group().abort(rc, fmt::format("{}: exit status {}", program, rc));
    distributed::finalize();
    return rc;
  } catch (const janus::Error& e) {
    what = fmt::format("{}: error: {}", program, e.what());
  } catch (const std::exception& e) {
    what = fmt::format("{}: unexpected error: {}", program, e.what());
  }
  if (world_size() > 1) process_group().abort(1, what);
  fmt::print(stderr, "{}\n", what);
  return 1;
}

}  // namespace janus::examples
