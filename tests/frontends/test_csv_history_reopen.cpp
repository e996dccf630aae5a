// CsvHistory::reopen, the append mode of a resumed run: the rows of the epochs finished
// before are kept (later ones dropped), new rows follow them, a missing file starts empty
// and a file with other columns is refused.
#include "temp_dir.h"

#include <catch2/catch.hpp>

#include <janus/core/error.h>
#include <janus/training/csv_history.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

using namespace janus::training;
namespace fs = std::filesystem;

namespace {

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("CsvHistory reopen keeps the finished epochs and appends after them", "[training][csv]") {
  const janus::testing::TempDir tmp("janus_csv_reopen");
  const std::string dir = tmp.str(), path = dir + "/history.csv";
  {
    CsvHistory h(path, {"epoch", "loss"});
    h.append({0, 2.5});
    h.append({1, 1.5});
    h.append({2, 1.25});  // an epoch whose checkpoint was never written
  }
  // Resume after 2 epochs: rows 0 and 1 stay, row 2 goes, and the file says so at once.
  CsvHistory h = CsvHistory::reopen(path, {"epoch", "loss"}, 2);
  CHECK(h.num_rows() == 2);
  CHECK(file_text(path) == "epoch,loss\n0,2.5\n1,1.5\n");
  h.append({2, 1});
  CHECK(file_text(path) == "epoch,loss\n0,2.5\n1,1.5\n2,1\n");
  CHECK(read_csv(path).column("epoch") == std::vector<double>{0, 1, 2});
  // Keeping more rows than the file has keeps them all; the temporary file is gone.
  CHECK(CsvHistory::reopen(path, {"epoch", "loss"}, 10).num_rows() == 3);
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.is_regular_file() ? 1 : 0;
  CHECK(files == 1);
}

TEST_CASE("CsvHistory reopen of a missing file or other columns", "[training][csv]") {
  const janus::testing::TempDir tmp("janus_csv_reopen");
  const std::string dir = tmp.str(), path = dir + "/h.csv";
  CsvHistory fresh = CsvHistory::reopen(path, {"epoch", "acc"}, 3);
  CHECK(fresh.num_rows() == 0);
  CHECK(file_text(path) == "epoch,acc\n");
  fresh.append({0, 0.5});
  CHECK_THROWS_WITH(CsvHistory::reopen(path, {"epoch", "loss"}, 3),
                    Catch::Contains(path) && Catch::Contains("columns epoch,acc (expected epoch,loss)"));
  CHECK(file_text(path) == "epoch,acc\n0,0.5\n");  // untouched
  CHECK_THROWS_WITH(CsvHistory::reopen(dir + "/missing/h.csv", {"a"}, 0), Catch::Contains(dir + "/missing/h.csv"));
}
