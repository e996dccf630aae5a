// format_table: column widths from the cells, two-space gaps, trailing spaces trimmed.
#include <janus/training/text_table.h>

#include <janus/core/error.h>

#include <algorithm>

namespace janus::training {

std::string format_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (size_t r = 0; r < rows.size(); ++r) {
    JANUS_CHECK(rows[r].size() == header.size(), "format_table: row {} has {} cells (expected {}, as the header)", r + 1,
                rows[r].size(), header.size());
    for (size_t c = 0; c < header.size(); ++c) width[c] = std::max(width[c], rows[r][c].size());
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string l;
    for (size_t c = 0; c < cells.size(); ++c) {
      if (c) l += "  ";
      const std::string pad(width[c] - cells[c].size(), ' ');
      l += c == 0 ? cells[c] + pad : pad + cells[c];
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  line(header);
  for (const auto& r : rows) line(r);
  return out;
}

}  // namespace janus::training
