// Internal whole-file readers: regular files only through janus::read_regular_file_bytes,
// gzip through zlib's inflate (windowBits 15 + 32 = auto-detect gzip/zlib header) one 64 KiB
// chunk at a time under the caller's output bound, so a damaged stream is an error and a
// decompression bomb stops at the bound instead of filling the memory.
#include "file_io.h"

#include <janus/core/error.h>
#include <janus/core/file_io.h>

#include <zlib.h>

#include <algorithm>
#include <filesystem>

namespace janus::datasets::detail {

namespace fs = std::filesystem;

void require_directory(const std::string& dir, const char* who) {
  std::error_code ec;
  const fs::file_status st = fs::status(dir, ec);
  JANUS_CHECK(!ec || st.type() == fs::file_type::not_found, "{}: cannot access directory '{}': {}", who, dir,
              ec.message());
  JANUS_CHECK(fs::exists(st), "{}: directory '{}' does not exist", who, dir);
  JANUS_CHECK(fs::is_directory(st), "{}: '{}' is not a directory", who, dir);
}

std::vector<uint8_t> read_file(const std::string& path, const char* who, uint64_t max_bytes) {
  return read_regular_file_bytes(path, who, max_bytes);
}

std::vector<uint8_t> gunzip(const std::vector<uint8_t>& bytes, const std::string& path, const char* who,
                            const OutputBound& bound) {
  std::vector<uint8_t> out;
  uint64_t limit = bound(out);
  size_t pos = 0;
  std::vector<uint8_t> chunk(1 << 16);
  bool reserved = false;
  // A gzip file may hold several members back to back; inflate each in turn.
  while (pos < bytes.size()) {
    z_stream zs{};
    JANUS_CHECK(inflateInit2(&zs, 15 + 32) == Z_OK, "{}: zlib init failed for '{}'", who, path);
    struct End {
      z_stream* zs;
      ~End() { inflateEnd(zs); }
    } end{&zs};
    zs.next_in = const_cast<Bytef*>(bytes.data() + pos);
    zs.avail_in = static_cast<uInt>(std::min<size_t>(bytes.size() - pos, 1u << 30));
    int rc = Z_OK;
    while (rc == Z_OK) {
      zs.next_out = chunk.data();
      zs.avail_out = static_cast<uInt>(chunk.size());
      rc = inflate(&zs, Z_NO_FLUSH);
      if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;  // input ended mid-stream
      const size_t produced = chunk.size() - zs.avail_out;
      JANUS_CHECK(out.size() + produced <= limit,
                  "{}: '{}' inflates to more than {} bytes, the most it may hold (stopped at compressed byte {})",
                  who, path, limit, pos + (bytes.size() - pos - zs.avail_in));
      out.insert(out.end(), chunk.data(), chunk.data() + produced);
      if (produced > 0) {
        limit = bound(out);
        // After the first chunk (which holds the header) the bound is the exact size: hold
        // that much at once, since growing by doubling would peak at twice the documented
        // limit. It is only address space until inflated bytes are written into it.
        if (!reserved) out.reserve(static_cast<size_t>(limit));
        reserved = true;
      }
    }
    const size_t consumed = bytes.size() - pos - zs.avail_in;
    const char* msg = zs.msg;
    JANUS_CHECK(rc == Z_STREAM_END, "{}: '{}' is not a valid gzip stream ({} at compressed byte {})", who, path,
                rc == Z_BUF_ERROR ? "truncated" : (msg ? msg : "inflate error"), pos + consumed);
    pos += consumed;
    // Trailing zero padding after the last member is tolerated, like gzip -d does.
    while (pos < bytes.size() && bytes[pos] == 0) ++pos;
  }
  return out;
}

std::vector<uint8_t> read_maybe_gzip(const std::string& path, const char* who, const OutputBound& bound) {
  std::vector<uint8_t> bytes = read_file(path, who);
  if (bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) return gunzip(bytes, path, who, bound);
  return bytes;  // its size is the file's, already under kMaxDataFileBytes
}

}  // namespace janus::datasets::detail
