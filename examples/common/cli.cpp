// add_threads_flag / parse_flags / run_reporting_errors: the shared main() plumbing.
#include "common/cli.h"

#include <janus/core/error.h>
#include <janus/core/parallel.h>

#include <fmt/format.h>

#include <cstdio>

namespace janus::examples {

void add_threads_flag(CLI::App& app, int& threads) {
  app.add_option("--threads", threads, "threads (0 = JANUS_NUM_THREADS or all cores)")->capture_default_str();
}

void apply_threads(int threads) {
  if (threads > 0) set_num_threads(threads);
}

void add_out_flag(CLI::App& app, std::string& out) {
  app.add_option("--out", out, "output directory")->capture_default_str();
}

int parse_flags(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return -1;
}

int run_reporting_errors(const std::string& program, const std::function<int()>& body) {
  try {
    return body();
  } catch (const janus::Error& e) {
    fmt::print(stderr, "{}: error: {}\n", program, e.what());
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}: unexpected error: {}\n", program, e.what());
  }
  return 1;
}

}  // namespace janus::examples
