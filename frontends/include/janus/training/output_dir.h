// Output directories for the example programs: created when missing and proved writable
// up front, so that a training run fails in its first second with a clear janus::Error
// ("--out /proc/x: cannot create directory ...") instead of after an hour of training.
//
//   std::string out = ensure_output_dir(opts.out, "--out");
#pragma once
#include <string>

namespace janus::training {

// Creates `dir` (and parents) if needed and writes/removes a probe file in it. Returns the
// path. `flag` names the option in the error message ("--out").
std::string ensure_output_dir(const std::string& dir, const std::string& flag = "output directory");

// Throws janus::Error naming `flag` when `dir` is not an existing directory.
void require_dir(const std::string& dir, const std::string& flag);

// dir + "/" + name, without doubling the slash.
std::string join_path(const std::string& dir, const std::string& name);

}  // namespace janus::training
