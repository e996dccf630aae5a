// The command-line plumbing every example's main() shares (CLI11): the --threads and --out
// flags, parsing, and turning a janus::Error into "<program>: error: ..." and exit status 1.
//
//   CLI::App app{"my_example: ..."};
//   add_threads_flag(app, o.threads);
//   if (int rc = parse_flags(app, argc, argv); rc >= 0) return rc;   // --help or a bad flag
//   return run_reporting_errors("my_example", [&] { return run_main(o); });
#pragma once
#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace janus::examples {

// --threads N (0 = JANUS_NUM_THREADS or all cores); apply_threads() sets it when > 0.
void add_threads_flag(CLI::App& app, int& threads);
void apply_threads(int threads);
// --out DIR, the output directory (created before any training starts).
void add_out_flag(CLI::App& app, std::string& out);

// Parses argv. Returns -1 when the program should go on, else the status to exit with
// (0 after --help, non-zero after a bad flag, CLI11's message printed).
int parse_flags(CLI::App& app, int argc, char** argv);

// Runs body() and returns its status; a janus::Error (or any other std::exception) is
// printed to stderr as "<program>: error: <message>" and gives status 1.
int run_reporting_errors(const std::string& program, const std::function<int()>& body);

}  // namespace janus::examples
