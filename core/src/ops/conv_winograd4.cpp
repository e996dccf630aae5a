// Winograd F(4x4,3x3) conv2d for 3x3 stride-1 kernels: each 4x4 output tile is
// A^T [(G w G^T) . (B^T d B)] A with d the 6x6 input window, so the 144 multiplies per tile
// and channel pair of the direct form become 36 (4x fewer; F(2x2,3x3) saves 2.25x), done as
// 36 GEMMs (winograd_gemm.h), one per position of the 6x6 transformed tile:
//   M[k] (C_out, T) = U[k] (C_out, C_in) x V[k] (C_in, T),  U = G w G^T, V = B^T d B.
// Interpolation points 0, 1, -1, 2, -2, inf (Lavin & Gray). Its transforms have entries up to
// 8, so float32 rounding grows ~10x over direct convolution; tests/core/test_conv_winograd4.cpp
// bounds it against a float64 reference. Chunks of whole images run in parallel on janus'
// pool, each start to finish on one thread (winograd_chunks.h, shared with conv_winograd.cpp,
// as is the layout: tile index innermost, 16-float-aligned rows, matrices a cache-set offset
// apart).
#include "conv_kernels.h"
#include "scratch.h"
#include "winograd_chunks.h"
#include "winograd_shared.h"

#include <janus/core/error.h>
#include <janus/core/parallel.h>

#include <algorithm>
#include <vector>

namespace janus::detail {

namespace {

constexpr int kA = 6;                      // transformed tile side
constexpr int64_t kPos = kA * kA;          // 36 tile positions

thread_local std::vector<float> t_u;      // (36, C_out, C_in): U
thread_local std::vector<float> t_plane;  // per-worker plane and row scratch

struct Plan {
  ConvGeometry g;
  int64_t oh, ow, th, tw, tiles_img, chunk;  // tiles per column/row/image; images per chunk
  int64_t rows, cols;                        // zero-padded input plane: 4*th+2 by 4*tw+4
};

Plan make_plan(const ConvGeometry& g) {
  Plan p{g, g.out_h(), g.out_w(), 0, 0, 0, 1, 0, 0};
  p.th = (p.oh + 3) / 4;
  p.tw = (p.ow + 3) / 4;
  p.tiles_img = p.th * p.tw;
  // Two columns more than the windows need, so that every tile reads 4-aligned column
  // groups (phase r of group k is column 4k + r).
  p.rows = 4 * p.th + 2;
  p.cols = 4 * p.tw + 4;
  p.chunk = winograd_chunk_images(kPos * (g.c_in + g.c_out) * p.tiles_img, p.tiles_img, g.n, g.chunk_columns);
  return p;
}

// The 1-D transforms, on 6 (or 4, or 3) values: floats, or vectors of them (one lane a tile).
// B^T d: input transform.
template <class T>
inline void bt6(T d0, T d1, T d2, T d3, T d4, T d5, T* o, int64_t s) {
  o[0 * s] = 4.0f * d0 - 5.0f * d2 + d4;
  o[1 * s] = -4.0f * (d1 + d2) + d3 + d4;
  o[2 * s] = 4.0f * (d1 - d2) - d3 + d4;
  o[3 * s] = 2.0f * (d3 - d1) - d2 + d4;
  o[4 * s] = 2.0f * (d1 - d3) - d2 + d4;
  o[5 * s] = 4.0f * d1 - 5.0f * d3 + d5;
}
// B v: backward of the input transform (to the 6x6 window).
template <class T>
inline void b6(T v0, T v1, T v2, T v3, T v4, T v5, T* o, int64_t s) {
  o[0 * s] = 4.0f * v0;
  o[1 * s] = 4.0f * (v2 - v1 + v5) + 2.0f * (v4 - v3);
  o[2 * s] = -5.0f * v0 - 4.0f * (v1 + v2) - v3 - v4;
  o[3 * s] = v1 - v2 + 2.0f * (v3 - v4) - 5.0f * v5;
  o[4 * s] = v0 + v1 + v2 + v3 + v4;
  o[5 * s] = v5;
}
// A^T m: output transform (6 -> 4).
template <class T>
inline void at6(T m0, T m1, T m2, T m3, T m4, T m5, T* o, int64_t s) {
  const T p12 = m1 + m2, d12 = m1 - m2, p34 = m3 + m4, d34 = m3 - m4;
  o[0 * s] = m0 + p12 + p34;
  o[1 * s] = d12 + 2.0f * d34;
  o[2 * s] = p12 + 4.0f * p34;
  o[3 * s] = d12 + 8.0f * d34 + m5;
}
// A y: backward of the output transform (4 -> 6).
template <class T>
inline void a4(T y0, T y1, T y2, T y3, T* o, int64_t s) {
  const T e = y0 + y2, od = y1 + y3, e4 = y0 + 4.0f * y2, od8 = 2.0f * y1 + 8.0f * y3;
  o[0 * s] = y0;
  o[1 * s] = e + od;
  o[2 * s] = e - od;
  o[3 * s] = e4 + od8;
  o[4 * s] = e4 - od8;
  o[5 * s] = y3;
}
// G^T u: backward of the weight transform (6 -> 3).
inline void gt6(const double* u, int s, double* o, int so) {
  o[0] = u[0] / 4.0 - (u[s] + u[2 * s]) / 6.0 + (u[3 * s] + u[4 * s]) / 24.0;
  o[so] = (u[2 * s] - u[s]) / 6.0 + (u[3 * s] - u[4 * s]) / 12.0;
  o[2 * so] = (u[3 * s] + u[4 * s] - u[s] - u[2 * s]) / 6.0 + u[5 * s];
}

// G g: weight transform (3 -> 6), in double (once per weight, not per tile), its divisions
// by 4, 6, 12 and 24 as products by the reciprocals; o of any float type.
template <class T>
inline void g3_values(double v0, double v1, double v2, T* o, int64_t s) {
  constexpr double sixth = 1.0 / 6.0, twelfth = 1.0 / 12.0, r24 = 1.0 / 24.0;
  o[0] = static_cast<T>(0.25 * v0);
  o[s] = static_cast<T>(-(v0 + v1 + v2) * sixth);
  o[2 * s] = static_cast<T>(-(v0 - v1 + v2) * sixth);
  o[3 * s] = static_cast<T>(v0 * r24 + v1 * twelfth + v2 * sixth);
  o[4 * s] = static_cast<T>(v0 * r24 - v1 * twelfth + v2 * sixth);
  o[5 * s] = static_cast<T>(v2);
}

// U (36, C_out, C_in) = G w G^T for every (o, c) pair of w (C_out, C_in, 3, 3). Blocks of
// pairs are first transposed to (9, pairs) so that both passes run over pairs with unit stride
// and vectorize (the per-pair version ran scalar with divisions: 5-9% of the 16x16 layers'
// time, as it runs in forward and again in backward).
void transform_weight(float* u, const float* w, const ConvGeometry& g) {
  const int64_t pairs = g.c_out * g.c_in;
  parallel_for(0, pairs, 256, [&](int64_t i0, int64_t i1) {
    constexpr int64_t kBlock = 64;
    double in[9][kBlock], tmp[kA][3][kBlock];  // 4.5 KiB + 9 KiB
    for (int64_t b0 = i0; b0 < i1; b0 += kBlock) {
      const int64_t nb = std::min(kBlock, i1 - b0);
      for (int64_t i = 0; i < nb; ++i)
        for (int k = 0; k < 9; ++k) in[k][i] = w[(b0 + i) * 9 + k];
      for (int j = 0; j < 3; ++j) {  // along kernel rows: column j of the 3x3 kernel
        JANUS_IVDEP
        for (int64_t i = 0; i < nb; ++i) g3_values(in[j][i], in[3 + j][i], in[6 + j][i], &tmp[0][j][i], 3 * kBlock);
      }
      for (int r = 0; r < kA; ++r) {  // along kernel columns
        float* dst = u + r * kA * pairs + b0;
        JANUS_IVDEP
        for (int64_t i = 0; i < nb; ++i) g3_values(tmp[r][0][i], tmp[r][1][i], tmp[r][2][i], dst + i, pairs);
      }
    }
  });
}

// dw (C_out, C_in, 3, 3) += G^T dU G.
void add_weight_grad(float* dw, const float* du, const ConvGeometry& g) {
  const int64_t pairs = g.c_out * g.c_in;
  parallel_for(0, pairs, 256, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      double t[kA][kA], tmp[3][kA], r[3][3];
      for (int k = 0; k < kPos; ++k) t[k / kA][k % kA] = du[k * pairs + i];
      for (int j = 0; j < kA; ++j) gt6(&t[0][j], kA, &tmp[0][j], kA);
      for (int row = 0; row < 3; ++row) gt6(tmp[row], 1, r[row], 1);
      for (int k = 0; k < 9; ++k) dw[i * 9 + k] += static_cast<float>(r[k / 3][k % 3]);
    }
  });
}

// The 2-D transforms of tiles k, k+1, ... (as many as T has lanes): `in` points at tile k's
// first value, the values of one tile `is` floats apart, consecutive tiles adjacent; `out`
// likewise with stride `os`. First along a window's rows, then down its columns.
// V[i][j] = (B^T d B)[i][j] from the 6x6 window d[r][c] = in[(r * 6 + c) * is].
template <class T>
inline void input_tiles(const float* in, int64_t is, float* out, int64_t os) {
  T h[kA][kA], o[kA];
  for (int r = 0; r < kA; ++r) {
    const float* w = in + r * kA * is;
    bt6(load<T>(w), load<T>(w + is), load<T>(w + 2 * is), load<T>(w + 3 * is), load<T>(w + 4 * is),
        load<T>(w + 5 * is), &h[r][0], 1);
  }
  for (int j = 0; j < kA; ++j) {
    bt6(h[0][j], h[1][j], h[2][j], h[3][j], h[4][j], h[5][j], o, 1);
    for (int i = 0; i < kA; ++i) store(out + (i * kA + j) * os, o[i]);
  }
}
// y[i][c] = (A^T M A)[i][c] from M[r][j] = in[(r * 6 + j) * is], out[(i * 4 + c) * os].
template <class T>
inline void output_tiles(const float* in, int64_t is, float* out, int64_t os) {
  T t[4][kA], o[4];
  for (int j = 0; j < kA; ++j) {
    const float* m = in + j * is;
    at6(load<T>(m), load<T>(m + kA * is), load<T>(m + 2 * kA * is), load<T>(m + 3 * kA * is),
        load<T>(m + 4 * kA * is), load<T>(m + 5 * kA * is), &t[0][j], kA);
  }
  for (int i = 0; i < 4; ++i) {
    at6(t[i][0], t[i][1], t[i][2], t[i][3], t[i][4], t[i][5], o, 1);
    for (int c = 0; c < 4; ++c) store(out + (i * 4 + c) * os, o[c]);
  }
}
// dM[i][j] = (A dy A^T)[i][j] from dy[r][c] = in[(r * 4 + c) * is], out[(i * 6 + j) * os].
template <class T>
inline void output_grad_tiles(const float* in, int64_t is, float* out, int64_t os) {
  T h[4][kA], o[kA];
  for (int r = 0; r < 4; ++r) {
    const float* e = in + r * 4 * is;
    a4(load<T>(e), load<T>(e + is), load<T>(e + 2 * is), load<T>(e + 3 * is), &h[r][0], 1);
  }
  for (int j = 0; j < kA; ++j) {
    a4(h[0][j], h[1][j], h[2][j], h[3][j], o, 1);
    for (int i = 0; i < kA; ++i) store(out + (i * kA + j) * os, o[i]);
  }
}
// The 6x6 window gradient (B dV B^T)[i][c] from dV[r][j] = in[(r * 6 + j) * is], out[(i * 6 + c) * os].
template <class T>
inline void input_grad_tiles(const float* in, int64_t is, float* out, int64_t os) {
  T e[kA][kA], o[kA];
  for (int j = 0; j < kA; ++j) {
    const float* v = in + j * is;
    b6(load<T>(v), load<T>(v + kA * is), load<T>(v + 2 * kA * is), load<T>(v + 3 * kA * is),
       load<T>(v + 4 * kA * is), load<T>(v + 5 * kA * is), &e[0][j], kA);
  }
  for (int i = 0; i < kA; ++i) {
    b6(e[i][0], e[i][1], e[i][2], e[i][3], e[i][4], e[i][5], o, 1);
    for (int c = 0; c < kA; ++c) store(out + (i * kA + c) * os, o[c]);
  }
}
// f(k) for every tile k of a plane's nt: with vectors of kWinoLanes tiles, then one by one.
template <class F>
inline void over_tiles(int64_t nt, F&& f) {
  int64_t k = 0;
  for (; k + kWinoLanes <= nt; k += kWinoLanes) f(k, WinoVec{});
  for (; k < nt; ++k) f(k, 0.0f);
}

// Each transform works on one (image, channel) plane: its arithmetic runs over all the
// plane's tiles at once, tile index t = ty * tw + tx innermost, where the 36 matrices' columns
// of one plane are contiguous (16 tiles of a 16x16 map fill one AVX-512 vector; loops over one
// row of tiles, as before, ran 4 wide there and 8 wide on 32x32 maps). Only the gathers from
// and scatters to the image plane go row of tiles by row of tiles, through the plane's 4
// column phases (P[c][r * (tw+1) + k] = column 4k + c of padded row r), so that they too run
// with unit stride. Each output is the same expression, in the same order, as in the row-wise
// version: first along a window's rows, then down its columns.

// V (36, C_in, ld) = B^T d B for every tile of images [n0, n0 + nb) of x.
template <int kTw>
void transform_input(float* v, int64_t ld, const float* x, int64_t n0, int64_t nb, const Plan& p) {
  const ConvGeometry& g = p.g;
  const int64_t ps = k_stride(g.c_in, ld), flat = p.rows * (p.tw + 1), nt = p.tiles_img;
  parallel_for(0, nb * g.c_in, 1, [&](int64_t t0, int64_t t1) {
    const int64_t tw = tiles_per_row<kTw>(p.tw), tw1 = tw + 1;
    float* pad = scratch(t_plane, p.rows * p.cols + 4 * (flat + 1) + kPos * nt);
    float* ph = pad + p.rows * p.cols;  // 4 phases of flat + 1 floats (the last one padding)
    float* win = ph + 4 * (flat + 1);   // win[(r * 6 + c) * nt + t]: row r, column c of tile t's window
    // Every plane writes the same interior positions, so the padding is zeroed once per task.
    std::fill(pad, pad + p.rows * p.cols, 0.0f);
    float *p0 = ph, *p1 = ph + (flat + 1), *p2 = ph + 2 * (flat + 1), *p3 = ph + 3 * (flat + 1);
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t nl = t / g.c_in, c = t % g.c_in;
      const float* src = x + ((n0 + nl) * g.c_in + c) * g.h * g.w;
      const int64_t n = std::min(g.w, p.cols - g.pad_h);
      for (int64_t r = 0; r < g.h && r + g.pad_h < p.rows; ++r)
        copy_row(src + r * g.w, n, pad + (r + g.pad_h) * p.cols + g.pad_h);
      // cols == 4 * tw1: the plane is a (flat, 4) matrix; transpose it into the phases.
      JANUS_IVDEP
      for (int64_t f = 0; f < flat; ++f)
        p0[f] = pad[4 * f], p1[f] = pad[4 * f + 1], p2[f] = pad[4 * f + 2], p3[f] = pad[4 * f + 3];
      p0[flat] = p1[flat] = 0.0f;
      for (int64_t ty = 0; ty < p.th; ++ty)
        for (int r = 0; r < kA; ++r) {  // window columns 0-3 are phases 0-3 at k = tx, 4-5 phases 0-1 at tx + 1
          const int64_t row = (4 * ty + r) * tw1;
          float* wr = win + r * kA * nt + ty * tw;
          JANUS_IVDEP
          for (int64_t tx = 0; tx < tw; ++tx) {
            wr[tx] = p0[row + tx], wr[nt + tx] = p1[row + tx], wr[2 * nt + tx] = p2[row + tx];
            wr[3 * nt + tx] = p3[row + tx], wr[4 * nt + tx] = p0[row + tx + 1], wr[5 * nt + tx] = p1[row + tx + 1];
          }
        }
      float* dst = v + c * ld + nl * nt;
      over_tiles(nt, [&](int64_t k, auto lanes) { input_tiles<decltype(lanes)>(win + k, nt, dst + k, ps); });
    }
  });
}

// y (N, C_out, OH, OW) = A^T M A (+ bias) for images [n0, n0 + nb); edge tiles write only
// their in-range outputs.
template <int kTw>
void transform_output(float* y, const float* m, int64_t ld, const float* bias, int64_t n0, int64_t nb,
                      const Plan& p) {
  const ConvGeometry& g = p.g;
  const int64_t ps = k_stride(g.c_out, ld), nt = p.tiles_img;
  parallel_for(0, nb * g.c_out, 1, [&](int64_t t0, int64_t t1) {
    const int64_t tw = tiles_per_row<kTw>(p.tw);
    float* q = scratch(t_plane, 16 * nt);  // q[(i * 4 + c) * nt + t]: output row i, column c of tile t
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t nl = t / g.c_out, o = t % g.c_out;
      float* plane = y + ((n0 + nl) * g.c_out + o) * p.oh * p.ow;
      const float* src = m + o * ld + nl * nt;
      const float add = bias ? bias[o] : 0.0f;
      over_tiles(nt, [&](int64_t k, auto lanes) { output_tiles<decltype(lanes)>(src + k, ps, q + k, nt); });
      for (int64_t ty = 0; ty < p.th; ++ty) {
        for (int64_t i = 0; i < 4 && 4 * ty + i < p.oh; ++i) {
          float* out = plane + (4 * ty + i) * p.ow;
          const float* qi = q + i * 4 * nt + ty * tw;
          if (p.ow == 4 * tw) {
            JANUS_IVDEP
            for (int64_t k = 0; k < tw; ++k)
              for (int c = 0; c < 4; ++c) out[4 * k + c] = qi[c * nt + k] + add;
          } else {
            for (int64_t col = 0; col < p.ow; ++col) out[col] = qi[(col % 4) * nt + col / 4] + add;
          }
        }
      }
    }
  });
}

// dM (36, C_out, ld) = A dy A^T for every tile; outputs past the edge count as zero.
template <int kTw>
void transform_output_grad(float* dm, int64_t ld, const float* dy, int64_t n0, int64_t nb, const Plan& p) {
  const ConvGeometry& g = p.g;
  const int64_t ps = k_stride(g.c_out, ld), nt = p.tiles_img;
  parallel_for(0, nb * g.c_out, 1, [&](int64_t t0, int64_t t1) {
    const int64_t tw = tiles_per_row<kTw>(p.tw);
    float* e = scratch(t_plane, 16 * nt);  // e[(i * 4 + c) * nt + t]: dy row i, column c of tile t
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t nl = t / g.c_out, o = t % g.c_out;
      const float* plane = dy + ((n0 + nl) * g.c_out + o) * p.oh * p.ow;
      float* dst = dm + o * ld + nl * nt;
      for (int64_t ty = 0; ty < p.th; ++ty) {
        for (int64_t i = 0; i < 4; ++i) {
          float* ei = e + i * 4 * nt + ty * tw;
          const float* in = plane + (4 * ty + i) * p.ow;
          if (4 * ty + i >= p.oh) {  // rows past the edge: zero, still transformed below
            for (int c = 0; c < 4; ++c) std::fill(ei + c * nt, ei + c * nt + tw, 0.0f);
          } else if (p.ow == 4 * tw) {
            JANUS_IVDEP
            for (int64_t k = 0; k < tw; ++k)
              for (int c = 0; c < 4; ++c) ei[c * nt + k] = in[4 * k + c];
          } else {
            for (int c = 0; c < 4; ++c) std::fill(ei + c * nt, ei + c * nt + tw, 0.0f);
            for (int64_t col = 0; col < p.ow; ++col) ei[(col % 4) * nt + col / 4] = in[col];
          }
        }
      }
      over_tiles(nt, [&](int64_t k, auto lanes) { output_grad_tiles<decltype(lanes)>(e + k, nt, dst + k, ps); });
    }
  });
}

// dx (N, C_in, H, W) = B dV B^T summed over the tiles' 6x6 input windows: windows overlap by
// two rows/columns and add up, in a fixed order, in the zero-padded plane kept as its 4
// column phases (as in transform_input), which is then interleaved; its inner part is dx's
// plane (written, not added: the padded plane covers every input pixel, so dx needs no zero
// fill first). One task per (image, channel) plane.
template <int kTw>
void store_input_grad(float* dx, const float* dv, int64_t ld, int64_t n0, int64_t nb, const Plan& p) {
  const ConvGeometry& g = p.g;
  JANUS_CHECK(p.rows >= g.h + g.pad_h && p.cols >= g.w + g.pad_w,
              "winograd4: padded plane {}x{} does not cover input {}x{} with padding {}", p.rows, p.cols, g.h, g.w,
              g.pad_h);
  const int64_t ps = k_stride(g.c_in, ld), flat = p.rows * (p.tw + 1), nt = p.tiles_img;
  parallel_for(0, nb * g.c_in, 1, [&](int64_t t0, int64_t t1) {
    const int64_t tw = tiles_per_row<kTw>(p.tw), tw1 = tw + 1;
    float* pad = scratch(t_plane, p.rows * p.cols + 4 * (flat + 1) + kPos * nt);
    float* acc = pad + p.rows * p.cols;  // acc[c * (flat + 1) + r * tw1 + k]: row r, column 4k + c
    float* q = acc + 4 * (flat + 1);     // q[(i * 6 + c) * nt + t]: window row i, column c of tile t
    float *a0 = acc, *a1 = acc + (flat + 1), *a2 = acc + 2 * (flat + 1), *a3 = acc + 3 * (flat + 1);
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t nl = t / g.c_in, c = t % g.c_in;
      const float* src = dv + c * ld + nl * nt;
      over_tiles(nt, [&](int64_t k, auto lanes) { input_grad_tiles<decltype(lanes)>(src + k, ps, q + k, nt); });
      std::fill(acc, acc + 4 * (flat + 1), 0.0f);
      for (int64_t ty = 0; ty < p.th; ++ty) {
        for (int i = 0; i < kA; ++i) {  // onto the window's row
          const float* qi = q + i * kA * nt + ty * tw;
          const int64_t row = (4 * ty + i) * tw1;
          JANUS_IVDEP
          for (int64_t tx = 0; tx < tw; ++tx) {
            a0[row + tx] += qi[tx];
            a1[row + tx] += qi[nt + tx];
            a2[row + tx] += qi[2 * nt + tx];
            a3[row + tx] += qi[3 * nt + tx];
          }
          // Columns 4 and 5 of tile tx are columns 0 and 1 of group tx + 1.
          JANUS_IVDEP
          for (int64_t tx = 0; tx < tw; ++tx) {
            a0[row + tx + 1] += qi[4 * nt + tx];
            a1[row + tx + 1] += qi[5 * nt + tx];
          }
        }
      }
      JANUS_IVDEP
      for (int64_t f = 0; f < flat; ++f)
        pad[4 * f] = a0[f], pad[4 * f + 1] = a1[f], pad[4 * f + 2] = a2[f], pad[4 * f + 3] = a3[f];
      float* plane = dx + ((n0 + nl) * g.c_in + c) * g.h * g.w;
      const int64_t n = std::min(g.w, p.cols - g.pad_h);
      for (int64_t r = 0; r < g.h && r + g.pad_h < p.rows; ++r) {
        const float* prow = pad + (r + g.pad_h) * p.cols + g.pad_h;
        copy_row(prow, n, plane + r * g.w);
      }
    }
  });
}

}  // namespace

void winograd4_forward(float* y, const float* x, const float* w, const float* bias, const ConvGeometry& geometry) {
  const Plan p = make_plan(geometry);
  const ConvGeometry& g = p.g;
  float* u = scratch(t_u, kPos * g.c_out * g.c_in);
  transform_weight(u, w, g);
  winograd_chunks_forward(
      g, {kPos, p.tiles_img, p.chunk}, u,
      [&](const WinoChunk& b) {
        by_tiles_per_row(p.tw, [&](auto w) { transform_input<w.value>(b.v, b.ld, x, b.n0, b.nb, p); });
      },
      [&](const WinoChunk& b) {
        by_tiles_per_row(p.tw, [&](auto w) { transform_output<w.value>(y, b.m, b.ld, bias, b.n0, b.nb, p); });
      });
}

// Backward, per tile (as conv_winograd.cpp, with 36 positions):
//   dM = A dy A^T;  dU[k] += dM[k] x V[k]^T -> dw = G^T dU G;  dV[k] = U[k]^T x dM[k] -> dx += B dV B^T.
// Each chunk keeps its own dU, summed in chunk order: the same bits for any timing.
void winograd4_backward(float* dx, float* dw, const float* dy, const float* x, const float* w,
                        const ConvGeometry& geometry) {
  const Plan p = make_plan(geometry);
  const ConvGeometry& g = p.g;
  float* u = nullptr;
  if (dx) {
    u = scratch(t_u, kPos * g.c_out * g.c_in);
    transform_weight(u, w, g);
  }
  const float* du = winograd_chunks_backward(
      g, {kPos, p.tiles_img, p.chunk}, u, dw != nullptr,
      [&](const WinoChunk& b) {
        by_tiles_per_row(p.tw, [&](auto w) { transform_output_grad<w.value>(b.m, b.ld, dy, b.n0, b.nb, p); });
      },
      [&](const WinoChunk& b) {
        by_tiles_per_row(p.tw, [&](auto w) { transform_input<w.value>(b.v, b.ld, x, b.n0, b.nb, p); });
      },
      [&](const WinoChunk& b) {
        by_tiles_per_row(p.tw, [&](auto w) { store_input_grad<w.value>(dx, b.v, b.ld, b.n0, b.nb, p); });
      });
  if (du) add_weight_grad(dw, du, g);
}

}  // namespace janus::detail
