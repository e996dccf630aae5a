// Output directories: create, then prove writable with a probe file.
#include <janus/training/output_dir.h>

#include <janus/core/error.h>

#include <cstdio>
#include <filesystem>
#include <system_error>

namespace janus::training {

std::string join_path(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  if (dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

std::string ensure_output_dir(const std::string& dir, const std::string& flag) {
  namespace fs = std::filesystem;
  JANUS_CHECK(!dir.empty(), "{}: expected a directory path (got an empty string)", flag);
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    JANUS_CHECK(fs::is_directory(dir, ec), "{} {}: exists but is not a directory", flag, dir);
  } else {
    fs::create_directories(dir, ec);
    JANUS_CHECK(!ec, "{} {}: cannot create directory: {}", flag, dir, ec.message());
  }
  const std::string probe = join_path(dir, ".janus_write_probe");
  std::FILE* f = std::fopen(probe.c_str(), "wb");
  JANUS_CHECK(f != nullptr, "{} {}: directory is not writable (check its permissions or choose another --out)",
              flag, dir);
  std::fclose(f);
  std::remove(probe.c_str());
  return dir;
}

void require_dir(const std::string& dir, const std::string& flag) {
  namespace fs = std::filesystem;
  std::error_code ec;
  JANUS_CHECK(fs::exists(dir, ec), "{} {}: no such directory", flag, dir);
  JANUS_CHECK(fs::is_directory(dir, ec), "{} {}: not a directory", flag, dir);
}

}  // namespace janus::training
