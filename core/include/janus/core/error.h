// janus::Error, the one exception type the library throws for bad input, and the
// JANUS_CHECK macro that builds its message with fmt. Library code never exits or aborts:
// messages say which op or layer, what was expected and what came, plus a hint if any.
//
//   JANUS_CHECK(x.dim() == 4, "conv2d: expected 4-D input (got {}-D input {})",
//               x.dim(), x.shape());
#pragma once

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <stdexcept>
#include <string>

namespace janus {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// A string from a file, fit to be quoted in a message between double quotes: at most
// `max_chars` characters of it, then the size it had (a 50 MB name from a hostile file must
// not become a 50 MB message). Valid UTF-8 passes as it is, so names in any script read as
// written; what could move the terminal or hide text is escaped instead: control characters
// (C0, DEL, C1) as \xNN or \u{NNNN}, the bidirectional overrides and isolates (U+202A-U+202E,
// U+2066-U+2069: they reorder what follows on screen) as \u{NNNN}, bytes that are not UTF-8
// as \xNN. Quotes and backslashes get a backslash, so every escape reads one way.
std::string excerpt(const std::string& untrusted, size_t max_chars = 80);

}  // namespace janus

#define JANUS_CHECK(cond, ...)                                  \
  do {                                                          \
    if (!(cond)) throw ::janus::Error(::fmt::format(__VA_ARGS__)); \
  } while (0)

#define JANUS_FAIL(...) throw ::janus::Error(::fmt::format(__VA_ARGS__))
