// TempDir: a fresh, self-deleting directory under the system temp folder, unique per process
// and per object, so test cases that ctest runs in parallel never share files.
//
//   janus::testing::TempDir dir;  CsvHistory h(dir.file("h.csv"), {"epoch"});
#pragma once

#include <filesystem>
#include <string>
#include <unistd.h>

namespace janus::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "janus_test") {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            (prefix + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string str() const { return path_.string(); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace janus::testing
