// remove_stale_outputs: at a program's start, deletes the temporary files that an earlier run
// killed in the middle of an atomic write left in the output directory ("<name>.tmp.<pid>"
// of the program's own output names, whose writer is no longer running), naming each.
//
//   remove_stale_outputs(o.out, R"(training_epoch[0-9]+\.safetensors|model\.safetensors)");
#pragma once

#include <string>

namespace janus::examples {

// `names` is a regular expression (ECMAScript) that a whole output file name must match.
void remove_stale_outputs(const std::string& out_dir, const std::string& names);

}  // namespace janus::examples
