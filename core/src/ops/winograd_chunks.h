// The chunk loops of both Winograd sizes -- F(2x2,3x3) with 16 tile positions
// (conv_winograd.cpp) and F(4x4,3x3) with 36 (conv_winograd4.cpp) -- forward and backward.
// The files pass in their transforms; the loops, the per-position GEMMs, the scratch buffers
// and the order dU is summed in are written once here. Internal to core.
//
// Chunks of whole images run start to finish on one thread (transform, one GEMM per tile
// position, transform back), so V and M stay in that core's cache; the transforms' own
// parallel loops run inline there. Threads claim chunks one at a time (share_items.h), so a
// thread the host preempts holds up no fixed half of them.
#pragma once

#include "conv_kernels.h"
#include "scratch.h"
#include "share_items.h"
#include "winograd_gemm.h"
#include "winograd_shared.h"

#include <janus/core/parallel.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace janus::detail {

// How a layer splits into chunks: tile positions (16 or 36), tiles per image, images per chunk.
struct WinoChunking {
  int64_t positions, tiles_img, chunk;
  int64_t count(int64_t n) const { return (n + chunk - 1) / chunk; }
};

// One chunk: images [n0, n0 + nb), its tiles, and V and M, each `positions` matrices of
// (C_in or C_out rows, ld) at vs / ms floats apart, in the calling thread's scratch.
struct WinoChunk {
  int64_t n0, nb, tiles, ld, vs, ms;
  float *v, *m;
};

inline WinoChunk wino_chunk(int64_t ci, const ConvGeometry& g, const WinoChunking& c) {
  // V (then dV in backward) and M (or dM): one pair per thread for both sizes, grown to the
  // largest chunk seen.
  thread_local std::vector<float> t_v, t_m;
  WinoChunk b{};
  b.n0 = ci * c.chunk;
  b.nb = std::min(c.chunk, g.n - b.n0);
  b.tiles = b.nb * c.tiles_img;
  b.ld = conv_padded_ld(b.tiles);
  b.vs = k_stride(g.c_in, b.ld);
  b.ms = k_stride(g.c_out, b.ld);
  b.v = scratch(t_v, c.positions * b.vs);
  b.m = scratch(t_m, c.positions * b.ms);
  return b;
}

// Forward, M[k] (C_out, T) = U[k] (C_out, C_in) x V[k] (C_in, T) for every position k, with
// u = U (positions, C_out, C_in). to_v(b) writes chunk b's V from x; from_m(b) writes its
// images of y from M.
template <class ToV, class FromM>
void winograd_chunks_forward(const ConvGeometry& g, const WinoChunking& c, const float* u, const ToV& to_v,
                             const FromM& from_m) {
  const int64_t pairs = g.c_out * g.c_in;
  for_each_item(c.count(g.n), [&](int64_t ci) {
    const WinoChunk b = wino_chunk(ci, g, c);
    to_v(b);
    for (int64_t k = 0; k < c.positions; ++k)
      wgemm_nn(g.c_out, b.tiles, g.c_in, u + k * pairs, g.c_in, b.v + k * b.vs, b.ld, b.m + k * b.ms, b.ld);
    from_m(b);
  });
}

// Backward, per position k: dU[k] += dM[k] x V[k]^T and dV[k] = U[k]^T x dM[k]. to_dm(b)
// writes chunk b's dM from dy. With want_dw, to_v(b) writes V from x and each chunk keeps its
// own dU, summed in chunk order afterwards, so the bits do not depend on which thread ran
// which chunk. With u (U, as in forward), dV overwrites V (dw is done with it) and from_dv(b)
// writes the chunk's images of dx. Returns the summed dU (positions, C_out, C_in), or nullptr
// without want_dw.
template <class ToDM, class ToV, class FromDV>
const float* winograd_chunks_backward(const ConvGeometry& g, const WinoChunking& c, const float* u, bool want_dw,
                                      const ToDM& to_dm, const ToV& to_v, const FromDV& from_dv) {
  // (chunks, positions, C_out, C_in): every element is written by its chunk's wgemm_nt (beta
  // 0), so it is neither zeroed nor reallocated per call (the 4.7 MiB zero fill of the
  // 64->64 layer was ~1.7% of its time).
  thread_local std::vector<float> t_du;
  const int64_t pairs = g.c_out * g.c_in, chunks = c.count(g.n), total = c.positions * pairs;
  float* du = want_dw ? scratch(t_du, chunks * total) : nullptr;
  for_each_item(chunks, [&](int64_t ci) {
    const WinoChunk b = wino_chunk(ci, g, c);
    to_dm(b);
    if (du) {
      to_v(b);
      float* du_c = du + ci * total;
      for (int64_t k = 0; k < c.positions; ++k)
        wgemm_nt(g.c_out, g.c_in, b.tiles, b.m + k * b.ms, b.ld, b.v + k * b.vs, b.ld, du_c + k * pairs, g.c_in);
    }
    if (u) {
      for (int64_t k = 0; k < c.positions; ++k)
        wgemm_tn(g.c_in, b.tiles, g.c_out, u + k * pairs, g.c_in, b.m + k * b.ms, b.ld, b.v + k * b.vs, b.ld);
      from_dv(b);
    }
  });
  if (!du) return nullptr;
  parallel_for(0, total, 4096, [&](int64_t i0, int64_t i1) {
    for (int64_t ci = 1; ci < chunks; ++ci)
      for (int64_t i = i0; i < i1; ++i) du[i] += du[ci * total + i];
  });
  return du;
}

}  // namespace janus::detail
