// Internal whole-file readers: plain reads with std::ifstream, gzip through zlib's inflate
// (windowBits 15 + 32 = auto-detect gzip/zlib header), so a damaged stream is an error.
#include "file_io.h"

#include <janus/core/error.h>

#include <zlib.h>

#include <filesystem>
#include <fstream>

namespace janus::datasets::detail {

namespace fs = std::filesystem;

void require_directory(const std::string& dir, const char* who) {
  std::error_code ec;
  JANUS_CHECK(fs::exists(dir, ec), "{}: directory '{}' does not exist", who, dir);
  JANUS_CHECK(fs::is_directory(dir, ec), "{}: '{}' is not a directory", who, dir);
}

std::vector<uint8_t> read_file(const std::string& path, const char* who) {
  std::error_code ec;
  JANUS_CHECK(fs::exists(path, ec), "{}: file '{}' does not exist", who, path);
  JANUS_CHECK(!fs::is_directory(path, ec), "{}: '{}' is a directory, expected a file", who,
              path);
  std::ifstream in(path, std::ios::binary);
  JANUS_CHECK(in.good(), "{}: cannot open '{}' for reading", who, path);
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  JANUS_CHECK(size >= 0, "{}: cannot determine the size of '{}'", who, path);
  in.seekg(0, std::ios::beg);
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  if (size > 0) in.read(reinterpret_cast<char*>(bytes.data()), size);
  JANUS_CHECK(in.good() || in.eof(), "{}: reading '{}' failed after {} bytes", who, path,
              in.gcount());
  JANUS_CHECK(in.gcount() == size || size == 0, "{}: read {} of {} bytes from '{}'", who,
              in.gcount(), size, path);
  return bytes;
}

std::vector<uint8_t> gunzip(const std::vector<uint8_t>& bytes, const std::string& path,
                            const char* who) {
  std::vector<uint8_t> out;
  size_t pos = 0;
  // A gzip file may hold several members back to back; inflate each in turn.
  while (pos < bytes.size()) {
    z_stream zs{};
    JANUS_CHECK(inflateInit2(&zs, 15 + 32) == Z_OK, "{}: zlib init failed for '{}'", who, path);
    zs.next_in = const_cast<Bytef*>(bytes.data() + pos);
    zs.avail_in = static_cast<uInt>(bytes.size() - pos);
    int rc = Z_OK;
    std::vector<uint8_t> chunk(1 << 16);
    while (rc == Z_OK) {
      zs.next_out = chunk.data();
      zs.avail_out = static_cast<uInt>(chunk.size());
      rc = inflate(&zs, Z_NO_FLUSH);
      if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;  // input ended mid-stream
      out.insert(out.end(), chunk.data(), chunk.data() + (chunk.size() - zs.avail_out));
    }
    const size_t consumed = bytes.size() - pos - zs.avail_in;
    const char* msg = zs.msg;
    inflateEnd(&zs);
    JANUS_CHECK(rc == Z_STREAM_END, "{}: '{}' is not a valid gzip stream ({} at compressed byte {})",
                who, path, rc == Z_BUF_ERROR ? "truncated" : (msg ? msg : "inflate error"),
                pos + consumed);
    pos += consumed;
    // Trailing zero padding after the last member is tolerated, like gzip -d does.
    while (pos < bytes.size() && bytes[pos] == 0) ++pos;
  }
  return out;
}

std::vector<uint8_t> read_maybe_gzip(const std::string& path, const char* who) {
  std::vector<uint8_t> bytes = read_file(path, who);
  if (bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) return gunzip(bytes, path, who);
  return bytes;
}

}  // namespace janus::datasets::detail
