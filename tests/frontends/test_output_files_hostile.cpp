// What sits in a program's --out folder is not trusted either: a FIFO or a symlink planted
// under the names janus writes or reads there (the write probe, history.csv on --resume) is
// never opened as it is -- no hang, no truncated victim file. And text from a checkpoint is
// quoted clipped and with control bytes escaped (janus::excerpt; its own cases are in
// tests/core/test_excerpt.cpp).
#include "no_hang.h"
#include "temp_dir.h"

#include <catch2/catch.hpp>

#include <janus/core/error.h>
#include <janus/training/csv_history.h>
#include <janus/training/output_dir.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <sys/stat.h>

using namespace janus;
using namespace janus::training;
using janus::testing::TempDir;
using Catch::Contains;

namespace {

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("ensure_output_dir neither blocks on a FIFO nor truncates through a symlink at its probe", "[training][hostile]") {
  TempDir dir;
  const std::string probe = dir.file(".janus_write_probe");
  // A FIFO there blocked fopen("wb") forever.
  REQUIRE(::mkfifo(probe.c_str(), 0600) == 0);
  bool ok = false;
  CHECK(janus::testing::returns_within(probe, [&] { ok = ensure_output_dir(dir.str(), "--out") == dir.str(); }));
  CHECK(ok);
  // A symlink there had its target truncated to 0 bytes.
  {
    std::ofstream(dir.file("victim.txt")) << "precious";
  }
  std::filesystem::create_symlink(dir.file("victim.txt"), probe);
  CHECK(ensure_output_dir(dir.str(), "--out") == dir.str());
  CHECK(file_text(dir.file("victim.txt")) == "precious");
  CHECK(!std::filesystem::exists(probe));
}

TEST_CASE("CsvHistory reopen refuses a FIFO at the history file instead of blocking", "[training][hostile]") {
  TempDir dir;
  const std::string csv = dir.file("history.csv");
  REQUIRE(::mkfifo(csv.c_str(), 0600) == 0);
  std::string msg;
  CHECK(janus::testing::returns_within(csv, [&] {
    try {
      CsvHistory::reopen(csv, {"epoch", "loss"}, 2);
    } catch (const Error& e) {
      msg = e.what();
    }
  }));
  CHECK_THAT(msg, Contains("history.csv") && Contains("FIFO"));
}

TEST_CASE("read_csv quotes cells and column names from the file clipped and escaped", "[training][hostile]") {
  TempDir dir;
  const std::string csv = dir.file("curves.csv");
  const std::string hostile = "\x1b[2J" + std::string(100'000, 'y');
  {
    std::ofstream out(csv);
    out << "epoch," << hostile << "\n1,0.5\n2," << hostile << "\n";
  }
  const CsvTable t = read_csv(csv);
  std::string missing, not_number;
  try {
    t.column("test_acc");
  } catch (const Error& e) {
    missing = e.what();
  }
  try {
    t.column(t.columns[1]);
  } catch (const Error& e) {
    not_number = e.what();
  }
  for (const std::string& msg : {missing, not_number}) {
    CHECK_THAT(msg, Contains("curves.csv") && Contains("\\x1b[2J"));
    CHECK(msg.find('\x1b') == std::string::npos);
    CHECK(msg.size() < 1000);
  }
  CHECK_THAT(not_number, Contains("row 2") && Contains("expected a number"));
}
