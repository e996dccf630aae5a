// CsvHistory's atomic write on a full disk (issue 13): the message names the system's
// reason, not the buffered byte count ("short write (42 of 42 bytes; disk full?)"), and no
// temporary file stays behind. A file size limit (RLIMIT_FSIZE, with SIGXFSZ ignored) makes
// write() fail the way a full disk does.
#include <janus/core/error.h>
#include <janus/training/csv_history.h>

#include <catch2/catch.hpp>

#include "temp_dir.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>

#include <sys/resource.h>

TEST_CASE("CsvHistory reports a full disk with the system's reason", "[training][hostile]") {
  janus::testing::TempDir dir;
  struct rlimit old {};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
  struct rlimit small = old;
  small.rlim_cur = 10;
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
  std::string msg;
  try {
    janus::training::write_file_atomic(dir.file("history.csv"), std::string(42, 'x'));
  } catch (const janus::Error& e) {
    msg = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);
  CHECK_THAT(msg, Catch::Contains("history.csv") && Catch::Contains(std::strerror(EFBIG)) &&
                      !Catch::Contains("42 of 42"));
  CHECK(std::filesystem::is_empty(dir.str()));
}
