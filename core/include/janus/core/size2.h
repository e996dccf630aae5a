// Size2: an (h, w) pair for kernel sizes, strides, paddings and dilations, like the int-or-
// tuple arguments of torch.nn.Conv2d. One integer means both: Size2(3) is (3, 3); braces give
// a pair: Conv2dOptions(3, 16, {3, 5}).
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <string>

namespace janus {

struct Size2 {
  Size2(int64_t both) : h(both), w(both) {}  // NOLINT: implicit on purpose (an int is a square pair)
  Size2(int64_t h_, int64_t w_) : h(h_), w(w_) {}
  bool square() const { return h == w; }
  bool operator==(const Size2& o) const { return h == o.h && w == o.w; }
  bool operator!=(const Size2& o) const { return !(*this == o); }
  // "3" for a square pair, "(3, 5)" otherwise (torch prints what it was given; square pairs
  // read as one int here).
  std::string str() const { return square() ? fmt::format("{}", h) : tuple_str(); }
  // Always "(3, 3)", as torch's Conv2d repr does.
  std::string tuple_str() const { return fmt::format("({}, {})", h, w); }
  int64_t h;
  int64_t w;
};

}  // namespace janus
