// Internal: whole-file readers shared by the loaders. Every failure is a janus::Error that
// names the file (missing, not a regular file, over the size limit, unreadable, corrupt or
// over-long gzip stream). Only regular files are opened (janus/core/file_io.h), so a FIFO
// given as a data file is an error instead of a hang.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace janus::datasets::detail {

// The largest data file (compressed or not) any loader reads: 1 GiB (CIFAR-10's batches are
// 30 MB, MNIST's largest file 47 MB).
constexpr uint64_t kMaxDataFileBytes = uint64_t{1} << 30;

// The raw bytes of the regular file `path`, at most `max_bytes`; `who` names the loader in
// the error ("cifar10").
std::vector<uint8_t> read_file(const std::string& path, const char* who,
                               uint64_t max_bytes = kMaxDataFileBytes);

// The most bytes gunzip may produce, asked again as the output grows: given the output so
// far, it returns the limit (a reader that knows the size from a header tightens it once
// the header is out) or throws its own janus::Error.
using OutputBound = std::function<uint64_t(const std::vector<uint8_t>& out_so_far)>;

// Gunzips an in-memory buffer (concatenated members allowed), streaming so that it stops
// as soon as the output would pass `bound`; `path` is for errors.
std::vector<uint8_t> gunzip(const std::vector<uint8_t>& bytes, const std::string& path, const char* who,
                            const OutputBound& bound);
// The bytes of `path`, gunzipped (under `bound`) when it starts with the gzip magic 1f 8b;
// a plain file is returned as it is (the caller checks its size against its header).
std::vector<uint8_t> read_maybe_gzip(const std::string& path, const char* who, const OutputBound& bound);
// Throws unless `dir` is an existing directory.
void require_directory(const std::string& dir, const char* who);

}  // namespace janus::datasets::detail
