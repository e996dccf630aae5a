// read_regular_file / require_regular_file: stat() before open() so that a FIFO never
// blocks, O_NONBLOCK plus fstat() after open() in case the path changed in between, then a
// read loop that must end exactly at the size fstat() reported. write_file_atomic and the
// clean-up of the temporary files a killed writer leaves.
#include <janus/core/error.h>
#include <janus/core/file_io.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <new>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace janus {

namespace {

// "" for a regular file, else what the file is instead.
std::string not_regular(const struct stat& st) {
  if (S_ISREG(st.st_mode)) return "";
  if (S_ISDIR(st.st_mode)) return "a directory";
  if (S_ISFIFO(st.st_mode)) return "a FIFO (named pipe)";
  if (S_ISSOCK(st.st_mode)) return "a socket";
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) return "a device";
  return "not a regular file";
}

void check_stat(const std::string& path, const std::string& who, struct stat& st) {
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    JANUS_CHECK(err != ENOENT, "{}: file '{}' does not exist", who, path);
    JANUS_FAIL("{}: cannot access '{}': {}", who, path, std::strerror(err));
  }
  const std::string kind = not_regular(st);
  JANUS_CHECK(kind.empty(), "{}: '{}' is {}, expected a regular file", who, path, kind);
}

template <typename Buffer>
Buffer read_into(const std::string& path, const std::string& who, uint64_t max_bytes) {
  struct stat st {};
  check_stat(path, who, st);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  JANUS_CHECK(fd >= 0, "{}: cannot open '{}': {}", who, path, std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  JANUS_CHECK(::fstat(fd, &st) == 0, "{}: cannot stat '{}': {}", who, path, std::strerror(errno));
  const std::string kind = not_regular(st);
  JANUS_CHECK(kind.empty(), "{}: '{}' is {}, expected a regular file", who, path, kind);
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  JANUS_CHECK(size <= max_bytes, "{}: '{}' is {} bytes, more than the {} byte limit for this kind of file", who,
              path, size, max_bytes);
  // A file larger than the memory left is the user's file, not a janus bug: say so by name.
  Buffer bytes;
  try {
    bytes.resize(static_cast<size_t>(size));
  } catch (const std::bad_alloc&) {
    JANUS_FAIL("{}: cannot allocate {} bytes to read '{}' (out of memory)", who, size, path);
  }
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t r = ::read(fd, reinterpret_cast<char*>(bytes.data()) + done, bytes.size() - done);
    if (r < 0 && errno == EINTR) continue;
    JANUS_CHECK(r >= 0, "{}: reading '{}' failed after {} of {} bytes: {}", who, path, done, size,
                std::strerror(errno));
    JANUS_CHECK(r > 0, "{}: '{}' ended after {} of {} bytes (it shrank while being read)", who, path, done, size);
    done += static_cast<size_t>(r);
  }
  char extra = 0;
  ssize_t r;
  do {
    r = ::read(fd, &extra, 1);
  } while (r < 0 && errno == EINTR);
  JANUS_CHECK(r == 0, "{}: '{}' grew while being read (expected {} bytes)", who, path, size);
  return bytes;
}

}  // namespace

void require_regular_file(const std::string& path, const std::string& who) {
  struct stat st {};
  check_stat(path, who, st);
}

std::string read_regular_file(const std::string& path, const std::string& who, uint64_t max_bytes) {
  return read_into<std::string>(path, who, max_bytes);
}

std::vector<uint8_t> read_regular_file_bytes(const std::string& path, const std::string& who, uint64_t max_bytes) {
  return read_into<std::vector<uint8_t>>(path, who, max_bytes);
}

namespace {

// The directory that holds `path` ("." for a bare name), for the fsync that makes a rename
// survive a power cut.
std::string parent_dir(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

void write_file_atomic(const std::string& path, const std::string& bytes, const std::string& who) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  // A leftover of ours (an earlier write of this process that failed half-way) is removed;
  // O_EXCL | O_NOFOLLOW then refuse whatever else appears under the temporary name, a symlink
  // planted there included, instead of writing through it.
  ::unlink(tmp.c_str());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  JANUS_CHECK(fd >= 0, "{}: cannot create '{}': {} (is the directory missing or read-only?)", who, tmp,
              std::strerror(errno));
  auto fail = [&](const std::string& what) {
    const std::string err = std::strerror(errno);
    ::close(fd);
    ::unlink(tmp.c_str());
    JANUS_FAIL("{}: {} '{}' failed: {}", who, what, path, err);
  };
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) fail(fmt::format("writing byte {} of {} of", done, bytes.size()));
    if (w == 0) {
      errno = ENOSPC;
      fail(fmt::format("writing byte {} of {} of", done, bytes.size()));
    }
    done += static_cast<size_t>(w);
  }
  // Where the disk fills up is often only known here (delayed allocation, NFS).
  if (::fsync(fd) != 0) fail("flushing");
  if (::close(fd) != 0) {
    const std::string err = std::strerror(errno);
    ::unlink(tmp.c_str());
    JANUS_FAIL("{}: flushing '{}' failed: {}", who, path, err);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string err = std::strerror(errno);
    ::unlink(tmp.c_str());
    JANUS_FAIL("{}: renaming '{}' to '{}' failed: {}", who, tmp, path, err);
  }
  // The rename is durable only once the directory entry is on disk. Some file systems cannot
  // fsync a directory (EINVAL); the file itself is complete either way, so that is not an error.
  const int dir = ::open(parent_dir(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    const int rc = ::fsync(dir);
    const int err = errno;
    ::close(dir);
    JANUS_CHECK(rc == 0 || err == EINVAL || err == EROFS, "{}: '{}' was written, but flushing its directory failed: {}",
                who, path, std::strerror(err));
  }
}

std::vector<std::string> remove_stale_temp_files(const std::string& dir, const std::regex& target) {
  namespace fs = std::filesystem;
  static const std::regex temp_name("(.+)\\.tmp\\.([0-9]{1,9})");
  std::vector<std::string> removed;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::smatch m;
    if (!std::regex_match(name, m, temp_name) || !std::regex_match(m[1].str(), target)) continue;
    std::error_code ec2;
    if (!it->is_regular_file(ec2)) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(m[2].str()));
    if (pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;  // a live (or foreign) writer
    if (fs::remove(it->path(), ec2)) removed.push_back(name);
  }
  std::sort(removed.begin(), removed.end());
  return removed;
}

}  // namespace janus
