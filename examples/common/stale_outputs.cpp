// remove_stale_outputs over janus::remove_stale_temp_files, printing what it removed.
#include "common/stale_outputs.h"

#include <janus/core/file_io.h>
#include <janus/training/output_dir.h>

#include <fmt/format.h>

namespace janus::examples {

void remove_stale_outputs(const std::string& out_dir, const std::string& names) {
  for (const std::string& f : remove_stale_temp_files(out_dir, std::regex(names)))
    fmt::print("removed {} (left by an earlier run killed while writing it)\n", training::join_path(out_dir, f));
}

}  // namespace janus::examples
