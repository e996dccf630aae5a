// Internal: whole-file readers shared by the loaders. Every failure is a janus::Error that
// names the file (missing, a directory, unreadable, corrupt gzip stream).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace janus::datasets::detail {

// The raw bytes of `path`; `who` names the loader in the error ("cifar10").
std::vector<uint8_t> read_file(const std::string& path, const char* who);
// The bytes of `path`, gunzipped when it starts with the gzip magic 1f 8b.
std::vector<uint8_t> read_maybe_gzip(const std::string& path, const char* who);
// Gunzips a whole in-memory buffer (concatenated members allowed); `path` is for errors.
std::vector<uint8_t> gunzip(const std::vector<uint8_t>& bytes, const std::string& path,
                            const char* who);
// Throws unless `dir` is an existing directory.
void require_directory(const std::string& dir, const char* who);

}  // namespace janus::datasets::detail
