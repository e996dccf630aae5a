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

}  // namespace janus

#define JANUS_CHECK(cond, ...)                                  \
  do {                                                          \
    if (!(cond)) throw ::janus::Error(::fmt::format(__VA_ARGS__)); \
  } while (0)

#define JANUS_FAIL(...) throw ::janus::Error(::fmt::format(__VA_ARGS__))
