// MemFile: an in-memory regular file (memfd) with a path, for fuzzing the readers that take
// a path (the training-checkpoint loader, read_idx with its gzip bound, the CIFAR class-name
// file) at full speed without touching the disk.
#pragma once

#include <cstdint>
#include <string>

#include <sys/mman.h>
#include <unistd.h>

namespace janus::fuzz {

class MemFile {
 public:
  MemFile() : fd_(::memfd_create("janus_fuzz", MFD_CLOEXEC)) {}
  ~MemFile() { ::close(fd_); }
  // Replaces the content; returns the path that names it.
  std::string set(const uint8_t* data, size_t size) {
    (void)::ftruncate(fd_, 0);
    for (size_t done = 0; done < size;) {
      const ssize_t w = ::pwrite(fd_, data + done, size - done, static_cast<off_t>(done));
      if (w <= 0) break;
      done += static_cast<size_t>(w);
    }
    return "/proc/self/fd/" + std::to_string(fd_);
  }

 private:
  int fd_;
};

}  // namespace janus::fuzz
