// What the Winograd transforms' loops (conv_winograd.cpp, conv_winograd4.cpp) need to
// vectorize: ivdep, and the tiles per row of tiles as a compile-time constant. Those loops run
// over one row of tiles, 2 to 16 wide on the benchmark CNN; with a trip count known only at
// run time GCC's 16-lane AVX-512 loops never ran on 4 or 8 elements and everything went
// through the scalar remainder (perf annotate: vmovss/vaddss), so rows of 4 and 8 tiles get
// their own copies. Internal to core.
#pragma once

#include <cstdint>
#include <type_traits>

// The transforms' loops read and write disjoint buffers, or disjoint parts of one
// scratch buffer, which GCC cannot prove (6 to 36 streams are too many for its runtime alias
// checks): without ivdep it ran them scalar (perf annotate: vmovss/vsubss, 40% of the
// layer's time in the transforms).
#define JANUS_IVDEP _Pragma("GCC ivdep")

namespace janus::detail {

// kTw when it is a specialised width (> 0), else the run-time width tw.
template <int kTw>
int64_t tiles_per_row(int64_t tw) {
  return kTw > 0 ? kTw : tw;
}

// f(std::integral_constant<int, w>) with w = tw where tw has its own copy (4 or 8), else 0.
template <class F>
void by_tiles_per_row(int64_t tw, F&& f) {
  if (tw == 4)
    f(std::integral_constant<int, 4>{});
  else if (tw == 8)
    f(std::integral_constant<int, 8>{});
  else
    f(std::integral_constant<int, 0>{});
}

}  // namespace janus::detail
