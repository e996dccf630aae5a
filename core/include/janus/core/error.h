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

// A string from a file, fit to be quoted in a message: control bytes shown as \xNN (no
// terminal escapes reach the user's screen) and at most `max_chars` of it, then the size it
// had -- a 50 MB name from a hostile file must not become a 50 MB message.
inline std::string excerpt(const std::string& untrusted, size_t max_chars = 80) {
  std::string out;
  for (size_t i = 0; i < untrusted.size() && i < max_chars; ++i) {
    const unsigned char c = static_cast<unsigned char>(untrusted[i]);
    if (c < 0x20 || c == 0x7f)
      out += fmt::format("\\x{:02x}", c);
    else
      out += static_cast<char>(c);
  }
  if (untrusted.size() > max_chars) out += fmt::format("... ({} bytes)", untrusted.size());
  return out;
}

}  // namespace janus

#define JANUS_CHECK(cond, ...)                                  \
  do {                                                          \
    if (!(cond)) throw ::janus::Error(::fmt::format(__VA_ARGS__)); \
  } while (0)

#define JANUS_FAIL(...) throw ::janus::Error(::fmt::format(__VA_ARGS__))
