// CsvHistory: rows kept in memory, the file rewritten atomically after every append (and
// once on reopen(), with the rows kept from the file).
#include <janus/core/process_group.h>
#include <janus/training/csv_history.h>

#include <janus/core/error.h>
#include <janus/core/file_io.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <unistd.h>

namespace janus::training {

std::string format_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<long long>(v));
  return fmt::format("{:.6g}", v);
}

Cell::Cell(double v) : text(format_number(v)) {}

void write_file_atomic(const std::string& path, const std::string& content) {
  janus::write_file_atomic(path, content, "CsvHistory");
}

// Under mpirun only rank 0 writes history files (every rank holds the same rows).
static void write_root(const std::string& path, const std::string& content) {
  if (process_group().is_root()) write_file_atomic(path, content);
}

static void check_cell(const std::string& cell, const std::string& path) {
  JANUS_CHECK(cell.find_first_of(",\n\r\"") == std::string::npos,
              "CsvHistory {}: cell '{}' contains a comma, quote or newline (not supported)", path, cell);
}

CsvHistory::CsvHistory(std::string path, std::vector<std::string> columns)
    : CsvHistory(std::move(path), std::move(columns), {}) {}

CsvHistory CsvHistory::reopen(std::string path, std::vector<std::string> columns, size_t keep_rows) {
  std::vector<std::vector<std::string>> kept;
  std::error_code ec;
  const bool exists = std::filesystem::exists(path, ec);
  JANUS_CHECK(!ec, "CsvHistory: cannot access '{}': {}", path, ec.message());
  if (exists) {  // read_csv refuses a FIFO or a directory there
    CsvTable old = read_csv(path);
    JANUS_CHECK(old.columns == columns, "CsvHistory {}: cannot append, the file has columns {} (expected {})", path,
                excerpt(fmt::format("{}", fmt::join(old.columns, ",")), 240), fmt::join(columns, ","));
    if (old.rows.size() > keep_rows) old.rows.resize(keep_rows);
    kept = std::move(old.rows);
  }
  return CsvHistory(std::move(path), std::move(columns), std::move(kept));
}

CsvHistory::CsvHistory(std::string path, std::vector<std::string> columns, std::vector<std::vector<std::string>> rows)
    : path_(std::move(path)), columns_(std::move(columns)), rows_(std::move(rows)) {
  JANUS_CHECK(!columns_.empty(), "CsvHistory {}: expected at least one column (got none)", path_);
  for (const auto& c : columns_) check_cell(c, path_);
  write_root(path_, str());
}

void CsvHistory::append(const std::vector<Cell>& row) {
  JANUS_CHECK(row.size() == columns_.size(), "CsvHistory {}: expected {} cells ({}) (got {})", path_,
              columns_.size(), fmt::join(columns_, ","), row.size());
  std::vector<std::string> cells;
  cells.reserve(row.size());
  for (const Cell& c : row) {
    check_cell(c.text, path_);
    cells.push_back(c.text);
  }
  rows_.push_back(std::move(cells));
  write_root(path_, str());
}

std::string CsvHistory::str() const {
  std::string out = fmt::format("{}\n", fmt::join(columns_, ","));
  for (const auto& r : rows_) out += fmt::format("{}\n", fmt::join(r, ","));
  return out;
}

static std::vector<std::string> split_line(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ',')) cells.push_back(cell);
  if (!line.empty() && line.back() == ',') cells.emplace_back();
  return cells;
}

// History and summary files are a few KB to a few MB; the limit keeps a wrong path (a disk
// image, say) from being read into memory whole.
constexpr uint64_t kMaxCsvBytes = uint64_t{1} << 30;

CsvTable read_csv(const std::string& path) {
  // Opened without blocking and checked as a regular file on the open descriptor, so a FIFO
  // or a device swapped in after a check never hangs the reader.
  std::istringstream in(read_regular_file(path, "read_csv", kMaxCsvBytes));
  CsvTable t;
  t.source = path;
  std::string line;
  JANUS_CHECK(static_cast<bool>(std::getline(in, line)), "read_csv: {} is empty (expected a header line)", path);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  t.columns = split_line(line);
  size_t lineno = 1;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    auto cells = split_line(line);
    JANUS_CHECK(cells.size() == t.columns.size(), "read_csv: {} line {} has {} cells (expected {}, as the header)",
                path, lineno, cells.size(), t.columns.size());
    t.rows.push_back(std::move(cells));
  }
  return t;
}

size_t CsvTable::index(const std::string& name) const {
  for (size_t i = 0; i < columns.size(); ++i)
    if (columns[i] == name) return i;
  JANUS_FAIL("{}: no column '{}' (columns: {})", source, excerpt(name), excerpt(fmt::format("{}", fmt::join(columns, ", ")), 240));
}

std::vector<double> CsvTable::column(const std::string& name) const {
  const size_t c = index(name);
  std::vector<double> out;
  out.reserve(rows.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    const std::string& s = rows[r][c];
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    JANUS_CHECK(!s.empty() && end && *end == '\0', "{}: row {} column '{}' is '{}' (expected a number)", source,
                r + 1, excerpt(name), excerpt(s));
    out.push_back(v);
  }
  return out;
}

}  // namespace janus::training
