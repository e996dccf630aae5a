// CSV history files (Keras CSVLogger-style columns) written atomically: every append()
// rewrites the whole file through a temporary file and a rename, so a reader (or a crash)
// never sees half a row. read_csv() loads such a file back for plots and tests.
//
//   CsvHistory hist("out/curves_bn.csv", {"epoch", "train_loss", "test_acc"});
//   hist.append({1, 1.52, 0.461});          // out/curves_bn.csv now holds 2 lines
//   CsvTable t = read_csv("out/curves_bn.csv");  t.column("test_acc")  // {0.461}
// A resumed run appends to its history instead: CsvHistory::reopen(path, columns, epochs_done).
#pragma once
#include <janus/core/error.h>
#include <optional>
#include <string>
#include <vector>

namespace janus::training {

// Formats a number the way CsvHistory writes it ("0.4612", "12", "nan").
std::string format_number(double v);

// One CSV cell: a number (written with up to 6 significant digits, integers exactly) or text.
struct Cell {
  Cell(double v);                // NOLINT: implicit on purpose, rows read like {1, 0.5, "bn"}
  Cell(int v) : Cell(static_cast<double>(v)) {}
  Cell(long v) : Cell(static_cast<double>(v)) {}
  Cell(long long v) : Cell(static_cast<double>(v)) {}
  Cell(const char* s) : text(s) {}
  Cell(std::string s) : text(std::move(s)) {}
  // An empty cell: "not applicable" or "never happened", as CSV readers expect (pandas
  // reads NaN, gnuplot a missing point) -- never a -1 or "nan" placeholder.
  Cell(std::nullopt_t) {}
  // A number, or an empty cell when there is none.
  Cell(std::optional<double> v) : text(v ? format_number(*v) : std::string()) {}
  std::string text;
};

// Writes `content` to `path` atomically (janus::write_file_atomic: path.tmp.<pid>, fsync,
// rename). Throws janus::Error naming the path and the system's reason on any failure.
void write_file_atomic(const std::string& path, const std::string& content);

class CsvHistory {
 public:
  // Creates (or truncates to the header) the file at once, so a bad path fails early.
  CsvHistory(std::string path, std::vector<std::string> columns);
  // Append mode, for a resumed run: keeps the first `keep_rows` rows already in the file
  // (the epochs finished before; rows beyond them, e.g. from an epoch whose checkpoint was
  // never written, are dropped), rewritten at once, atomically. A missing file starts
  // with the header only; a file with other columns throws, naming both headers.
  static CsvHistory reopen(std::string path, std::vector<std::string> columns, size_t keep_rows);
  // Appends one row (as many cells as columns) and rewrites the file.
  void append(const std::vector<Cell>& row);
  const std::string& path() const { return path_; }
  const std::vector<std::string>& columns() const { return columns_; }
  size_t num_rows() const { return rows_.size(); }
  const std::vector<std::vector<std::string>>& rows() const { return rows_; }
  // The whole file's text.
  std::string str() const;

 private:
  // Starts with `rows` and writes the file.
  CsvHistory(std::string path, std::vector<std::string> columns, std::vector<std::vector<std::string>> rows);
  std::string path_;
  std::vector<std::string> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// A parsed CSV file: a header and rows of text cells (no quoting: janus writes none).
struct CsvTable {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
  // Index of a column; throws naming the file's columns when absent.
  size_t index(const std::string& name) const;
  // A column as numbers (text that is not a number throws, naming row and column).
  std::vector<double> column(const std::string& name) const;
  std::string source;  // the file it came from, for messages
};

CsvTable read_csv(const std::string& path);

}  // namespace janus::training
