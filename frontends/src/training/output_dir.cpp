// Output directories: create, then prove writable with a probe file.
#include <janus/training/output_dir.h>

#include <janus/core/error.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

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
  // The probe is a new file of our own: whatever sits under its name (a FIFO that would block
  // open(), a symlink whose target would be truncated) is removed first, and O_EXCL |
  // O_NOFOLLOW refuse anything that appears there in between.
  const std::string probe = join_path(dir, ".janus_write_probe");
  ::unlink(probe.c_str());
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
  JANUS_CHECK(fd >= 0, "{} {}: directory is not writable: {} (check its permissions or choose another --out)", flag,
              dir, std::strerror(errno));
  ::close(fd);
  ::unlink(probe.c_str());
  return dir;
}

void require_dir(const std::string& dir, const std::string& flag) {
  namespace fs = std::filesystem;
  std::error_code ec;
  JANUS_CHECK(fs::exists(dir, ec), "{} {}: no such directory", flag, dir);
  JANUS_CHECK(fs::is_directory(dir, ec), "{} {}: not a directory", flag, dir);
}

}  // namespace janus::training
