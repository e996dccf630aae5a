// A plain-text table for a program's summary: every column as wide as its widest cell or
// header, two spaces between columns, the first column left-aligned and the others right-
// aligned (numbers), so that neighbouring headers never run together.
//
//   fmt::print("{}", format_table({"norm", "final acc"}, {{"bn", "0.6120"}, {"pcn", "0.5830"}}));
//   // norm  final acc
//   // bn       0.6120
//   // pcn      0.5830
#pragma once
#include <string>
#include <vector>

namespace janus::training {

// Throws janus::Error when a row has another number of cells than the header.
std::string format_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

}  // namespace janus::training
