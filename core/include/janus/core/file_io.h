// Reading files that may come from anywhere: only regular files are opened (checked before
// open, so a FIFO, a device or a directory never blocks or confuses a reader), the size is
// checked against the caller's limit before anything is allocated, and every failure -- a
// missing file, a symlink loop, a short read -- is a janus::Error naming the file.
//
// Writing is atomic: a temporary file "<path>.tmp.<pid>" next to the target, fsync, rename;
// a failure names the system's reason ("No space left on device").
//
//   std::string bytes = read_regular_file("model.safetensors", "safetensors");
//   write_file_atomic("history.csv", text, "CsvHistory");
//   remove_stale_temp_files("out", std::regex("history\\.csv"));   // after a kill -9
#pragma once

#include <cstdint>
#include <limits>
#include <regex>
#include <string>
#include <vector>

namespace janus {

// Throws unless `path` (symlinks followed) is an existing regular file; `who` starts the
// message ("cifar10: 'x.bin' is a FIFO (named pipe), expected a regular file").
void require_regular_file(const std::string& path, const std::string& who);

// The whole content of the regular file `path`, at most `max_bytes` long (a larger file is
// an error that names the limit).
std::string read_regular_file(const std::string& path, const std::string& who,
                              uint64_t max_bytes = std::numeric_limits<uint64_t>::max());
// The same into bytes.
std::vector<uint8_t> read_regular_file_bytes(const std::string& path, const std::string& who,
                                             uint64_t max_bytes = std::numeric_limits<uint64_t>::max());

// Writes `bytes` to "<path>.tmp.<pid>", fsyncs it and renames it over `path`; on any
// failure the temporary file is removed and the error names the file and the reason.
void write_file_atomic(const std::string& path, const std::string& bytes, const std::string& who);

// Removes the temporary files "<name>.tmp.<pid>" that write_file_atomic left in `dir` when
// a process was killed mid-write: only those whose <name> matches `target` entirely and
// whose <pid> is no running process (so a live writer is never disturbed). Returns the
// removed file names, sorted.
std::vector<std::string> remove_stale_temp_files(const std::string& dir, const std::regex& target);

}  // namespace janus
