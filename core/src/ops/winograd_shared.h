// What the two Winograd convolutions (conv_winograd.cpp, conv_winograd4.cpp) and their GEMMs
// (winograd_gemm.cpp) share: the vector type, the spacing of the position matrices, the
// images per chunk from the L2 cache size, and what the transforms' loops need to vectorize:
// ivdep, and the tiles per row of tiles as a compile-time constant. Internal to core.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

// The transforms' loops read and write disjoint buffers, or disjoint parts of one
// scratch buffer, which GCC cannot prove (6 to 36 streams are too many for its runtime alias
// checks): without ivdep it ran them scalar (perf annotate: vmovss/vsubss, 40% of the
// layer's time in the transforms).
// Clang (the fuzz build) has no ivdep; its own vectorizer decides there.
#if defined(__clang__)
#define JANUS_IVDEP
#else
#define JANUS_IVDEP _Pragma("GCC ivdep")
#endif

namespace janus::detail {

// Floats between the tile positions' matrices in V, M and dV, (rows, ld) each. Rounded to
// whole 4 KiB and then offset by 5 cache lines, so the 16 or 36 matrices that a transform
// writes at once fall on different cache sets (a multiple of 4 KiB made transforms ~3x slower).
inline int64_t k_stride(int64_t rows, int64_t ld) { return (rows * ld + 1023) / 1024 * 1024 + 80; }

// Bytes of one core's L2 cache, as the CPU reports it (1 MiB where it does not say).
inline int64_t l2_cache_bytes() {
  static const int64_t bytes = [] {
    const long reported = sysconf(_SC_LEVEL2_CACHE_SIZE);
    return reported > 0 ? static_cast<int64_t>(reported) : int64_t(1) << 20;
  }();
  return bytes;
}

// Whole images per chunk of n images, given one image's floats of V plus M: as many as fit in
// half of L2, so the transforms write V and M and the GEMMs read them back from L2 (the other
// half holds U's position matrices, the transforms' plane scratch and the image planes
// streaming through). Measured (conv_bench --only 1, 3 rounds, Xeon with 2 MiB L2): 32->32
// @32x32 ran 18-20 ms with 8 images a chunk (4.7 MiB, from an earlier fixed 8 MiB budget),
// 13.4-15.3 ms with 1 to 4. At least 64 tiles, so that the GEMMs' rows hold 4 vectors of 16
// lanes (64->64 @16x16: 3 images, 48 tiles, 11.9-13.8 ms; 4 images 9.0-12.5 ms; and a 512 KiB
// L2 would otherwise get 1-image chunks, 16 tiles wide). At most an eighth of the batch, so
// chunks spread over the pool's threads. chunk_columns > 0 (tests: several chunks) asks for
// that many tiles instead.
inline int64_t winograd_chunk_images(int64_t floats_per_image, int64_t tiles_per_image, int64_t n,
                                     int64_t chunk_columns) {
  const int64_t most = std::max<int64_t>(1, (n + 7) / 8);
  if (chunk_columns > 0) return std::clamp<int64_t>(chunk_columns / tiles_per_image, 1, most);
  constexpr int64_t kMinTiles = 64;
  const int64_t chunk = std::clamp<int64_t>(std::max(l2_cache_bytes() / 2 / (4 * floats_per_image),
                                                     (kMinTiles + tiles_per_image - 1) / tiles_per_image),
                                            1, most);
  // Down to half as many images where that makes the chunk count a multiple of 4, so that 2
  // or 4 threads get equal shares (64 images in chunks of 5 made 13 chunks: 7 and 6 on 2
  // threads). Depends on n and the cache only, not on the thread count, so dw's summation
  // order (chunk by chunk) stays the same for any number of threads.
  for (int64_t i = chunk; i >= 1 && 2 * i >= chunk; --i)
    if ((n + i - 1) / i % 4 == 0) return i;
  return chunk;
}

// Vectors of kWinoLanes floats (GCC vector extension; 16 lanes under AVX-512, else 8) for
// transforms that run one tile a lane, with unaligned loads and stores.
#if defined(__AVX512F__)
constexpr int64_t kWinoLanes = 16;
#else
constexpr int64_t kWinoLanes = 8;
#endif
typedef float WinoVec __attribute__((vector_size(4 * kWinoLanes)));

template <class T = WinoVec>
inline T load(const float* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}
inline void store(float* p, float v) { *p = v; }
inline void store(float* p, WinoVec v) { std::memcpy(p, &v, sizeof(WinoVec)); }

// dst[0, n) = src[0, n) for the short rows (8-64 floats) the transforms copy between an image
// plane and its padded copy, inline in vectors: std::copy called memmove once per row, 5% of
// the 16x16 layers' time.
inline void copy_row(const float* src, int64_t n, float* dst) {
  int64_t k = 0;
  for (; k + kWinoLanes <= n; k += kWinoLanes) store(dst + k, load<WinoVec>(src + k));
  for (; k < n; ++k) dst[k] = src[k];
}

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
