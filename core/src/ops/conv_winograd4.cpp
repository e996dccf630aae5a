// Winograd F(4x4,3x3) conv2d for 3x3 stride-1 kernels: each 4x4 output tile is
// A^T [(G w G^T) . (B^T d B)] A with d the 6x6 input window, so the 144 multiplies per tile
// and channel pair of the direct form become 36 (4x fewer; F(2x2,3x3) saves 2.25x), done as
// 36 GEMMs (winograd_gemm.h), one per position of the 6x6 transformed tile:
//   M[k] (C_out, T) = U[k] (C_out, C_in) x V[k] (C_in, T),  U = G w G^T, V = B^T d B.
// Interpolation points 0, 1, -1, 2, -2, inf (Lavin & Gray). Its transforms have entries up to
// 8, so float32 rounding grows ~10x over direct convolution; tests/core/test_conv_winograd4.cpp
// bounds it against a float64 reference. Chunks of whole images run in parallel on janus'
// pool, each start to finish on one thread, as in conv_winograd.cpp, whose layout (tile index innermost, 16-float-aligned rows, matrices a
// cache-set offset apart) this file shares.
#include "conv_kernels.h"
#include "scratch.h"
#include "winograd_gemm.h"
#include "winograd_shared.h"

#include <janus/core/error.h>
#include <janus/core/parallel.h>

#include <algorithm>
#include <vector>

namespace janus::detail {

namespace {

constexpr int kA = 6;                      // transformed tile side
constexpr int64_t kPos = kA * kA;          // 36 tile positions

thread_local std::vector<float> t_v;      // 36 x (C_in, T): V, then dV in backward
thread_local std::vector<float> t_m;      // 36 x (C_out, T): M, or dM in backward
thread_local std::vector<float> t_u;      // (36, C_out, C_in): U
thread_local std::vector<float> t_plane;  // per-worker plane and row scratch
thread_local std::vector<float> t_du;     // (chunks, 36, C_out, C_in): dU per chunk


// Floats between consecutive position matrices: whole 4 KiB plus 5 cache lines, so the 36
// rows a transform writes at once fall on different cache sets (see conv_winograd.cpp).
int64_t k_stride(int64_t rows, int64_t ld) { return (rows * ld + 1023) / 1024 * 1024 + 80; }

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

// The 1-D transforms, on 6 (or 4, or 3) values.
// B^T d: input transform.
inline void bt6(float d0, float d1, float d2, float d3, float d4, float d5, float* o, int64_t s) {
  o[0 * s] = 4.0f * d0 - 5.0f * d2 + d4;
  o[1 * s] = -4.0f * (d1 + d2) + d3 + d4;
  o[2 * s] = 4.0f * (d1 - d2) - d3 + d4;
  o[3 * s] = 2.0f * (d3 - d1) - d2 + d4;
  o[4 * s] = 2.0f * (d1 - d3) - d2 + d4;
  o[5 * s] = 4.0f * d1 - 5.0f * d3 + d5;
}
// B v: backward of the input transform (to the 6x6 window).
inline void b6(float v0, float v1, float v2, float v3, float v4, float v5, float* o, int64_t s) {
  o[0 * s] = 4.0f * v0;
  o[1 * s] = 4.0f * (v2 - v1 + v5) + 2.0f * (v4 - v3);
  o[2 * s] = -5.0f * v0 - 4.0f * (v1 + v2) - v3 - v4;
  o[3 * s] = v1 - v2 + 2.0f * (v3 - v4) - 5.0f * v5;
  o[4 * s] = v0 + v1 + v2 + v3 + v4;
  o[5 * s] = v5;
}
// A^T m: output transform (6 -> 4).
inline void at6(float m0, float m1, float m2, float m3, float m4, float m5, float* o, int64_t s) {
  const float p12 = m1 + m2, d12 = m1 - m2, p34 = m3 + m4, d34 = m3 - m4;
  o[0 * s] = m0 + p12 + p34;
  o[1 * s] = d12 + 2.0f * d34;
  o[2 * s] = p12 + 4.0f * p34;
  o[3 * s] = d12 + 8.0f * d34 + m5;
}
// A y: backward of the output transform (4 -> 6).
inline void a4(float y0, float y1, float y2, float y3, float* o, int64_t s) {
  const float e = y0 + y2, od = y1 + y3, e4 = y0 + 4.0f * y2, od8 = 2.0f * y1 + 8.0f * y3;
  o[0 * s] = y0;
  o[1 * s] = e + od;
  o[2 * s] = e - od;
  o[3 * s] = e4 + od8;
  o[4 * s] = e4 - od8;
  o[5 * s] = y3;
}
// G g: weight transform (3 -> 6), in double (once per weight, not per tile).
inline void g3(const double* v, int s, double* o, int so) {
  o[0] = v[0] / 4.0;
  o[so] = -(v[0] + v[s] + v[2 * s]) / 6.0;
  o[2 * so] = -(v[0] - v[s] + v[2 * s]) / 6.0;
  o[3 * so] = v[0] / 24.0 + v[s] / 12.0 + v[2 * s] / 6.0;
  o[4 * so] = v[0] / 24.0 - v[s] / 12.0 + v[2 * s] / 6.0;
  o[5 * so] = v[2 * s];
}
// G^T u: backward of the weight transform (6 -> 3).
inline void gt6(const double* u, int s, double* o, int so) {
  o[0] = u[0] / 4.0 - (u[s] + u[2 * s]) / 6.0 + (u[3 * s] + u[4 * s]) / 24.0;
  o[so] = (u[2 * s] - u[s]) / 6.0 + (u[3 * s] - u[4 * s]) / 12.0;
  o[2 * so] = (u[3 * s] + u[4 * s] - u[s] - u[2 * s]) / 6.0 + u[5 * s];
}

// G g on values: g3's arithmetic with its divisions as products by the reciprocals (in double,
// the results differ from g3's by an ulp of a double at most), o of any float type.
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

// Rows of 4 and 8 tiles (16x16 and 32x32 maps) run their own copies of the transforms
// (winograd_shared.h).
template <int kTw>
int64_t tiles_w(const Plan& p) {
  return tiles_per_row<kTw>(p.tw);
}
template <class F>
void by_width(const Plan& p, F&& f) {
  by_tiles_per_row(p.tw, static_cast<F&&>(f));
}

// Every loop below runs over one row of tiles with the tile index tx innermost and unit
// stride (columns are split into their 4 phases first), so the compiler vectorizes it.

// V (36, C_in, ld) = B^T d B for every tile of images [n0, n0 + nb) of x. Per plane: the
// zero-padded plane is split into its 4 column phases (P[c][r * (tw+1) + k] = column 4k + c
// of row r), the horizontal transform runs once per padded row in one loop over the whole
// plane (rows shared by two tile rows are not transformed twice), then the vertical one per
// tile row.
template <int kTw>
void transform_input(float* v, int64_t ld, const float* x, int64_t n0, int64_t nb, const Plan& p) {
  const ConvGeometry& g = p.g;
  const int64_t ps = k_stride(g.c_in, ld), flat = p.rows * (p.tw + 1);
  parallel_for(0, nb * g.c_in, 1, [&](int64_t t0, int64_t t1) {
    const int64_t tw = tiles_w<kTw>(p), tw1 = tw + 1;
    float* pad = scratch(t_plane, p.rows * p.cols + 4 * (flat + 1) + kA * flat);
    float* ph = pad + p.rows * p.cols;  // 4 phases of flat + 1 floats (the last one padding)
    float* h = ph + 4 * (flat + 1);     // h[j * flat + r * tw1 + tx]: row r, horizontal output j
    // Every plane writes the same interior positions, so the padding is zeroed once per task.
    std::fill(pad, pad + p.rows * p.cols, 0.0f);
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t nl = t / g.c_in, c = t % g.c_in;
      const float* src = x + ((n0 + nl) * g.c_in + c) * g.h * g.w;
      const int64_t n = std::min(g.w, p.cols - g.pad_h);
      for (int64_t r = 0; r < g.h && r + g.pad_h < p.rows; ++r)
        std::copy(src + r * g.w, src + r * g.w + n, pad + (r + g.pad_h) * p.cols + g.pad_h);
      // cols == 4 * tw1: the plane is a (flat, 4) matrix; transpose it into the phases.
      float *p0 = ph, *p1 = ph + (flat + 1), *p2 = ph + 2 * (flat + 1), *p3 = ph + 3 * (flat + 1);
      JANUS_IVDEP
      for (int64_t f = 0; f < flat; ++f)
        p0[f] = pad[4 * f], p1[f] = pad[4 * f + 1], p2[f] = pad[4 * f + 2], p3[f] = pad[4 * f + 3];
      p0[flat] = p1[flat] = 0.0f;
      // At k == tw the window runs into the next row: those outputs are never read.
      JANUS_IVDEP
      for (int64_t f = 0; f < flat; ++f) bt6(p0[f], p1[f], p2[f], p3[f], p0[f + 1], p1[f + 1], h + f, flat);
      float* dst = v + c * ld + nl * p.tiles_img;
      for (int64_t ty = 0; ty < p.th; ++ty, dst += tw) {
        for (int j = 0; j < kA; ++j) {
          const float* hj = h + j * flat + 4 * ty * tw1;
          JANUS_IVDEP
          for (int64_t tx = 0; tx < tw; ++tx)
            bt6(hj[tx], hj[tw1 + tx], hj[2 * tw1 + tx], hj[3 * tw1 + tx], hj[4 * tw1 + tx], hj[5 * tw1 + tx],
                dst + j * ps + tx, kA * ps);
        }
      }
    }
  });
}

// y (N, C_out, OH, OW) = A^T M A (+ bias) for images [n0, n0 + nb); edge tiles write only
// their in-range outputs.
template <int kTw>
void transform_output(float* y, const float* m, int64_t ld, const float* bias, int64_t n0, int64_t nb,
                      const Plan& p) {
  const ConvGeometry& g = p.g;
  const int64_t ps = k_stride(g.c_out, ld);
  parallel_for(0, nb * g.c_out, 1, [&](int64_t t0, int64_t t1) {
    const int64_t tw = tiles_w<kTw>(p);
    float* s = scratch(t_plane, 4 * kA * tw + 4 * 4 * tw);  // s[(i * 6 + j) * tw + tx]
    float* q = s + 4 * kA * tw;                             // q[(i * 4 + c) * tw + tx]: output row i, column 4 tx + c
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t nl = t / g.c_out, o = t % g.c_out;
      float* plane = y + ((n0 + nl) * g.c_out + o) * p.oh * p.ow;
      const float* src = m + o * ld + nl * p.tiles_img;
      const float add = bias ? bias[o] : 0.0f;
      for (int64_t ty = 0; ty < p.th; ++ty, src += tw) {
        for (int j = 0; j < kA; ++j) {  // along rows: A^T on column j of the 6x6 tile
          const float* mj = src + j * ps;
          JANUS_IVDEP
          for (int64_t tx = 0; tx < tw; ++tx)
            at6(mj[tx], mj[kA * ps + tx], mj[2 * kA * ps + tx], mj[3 * kA * ps + tx], mj[4 * kA * ps + tx],
                mj[5 * kA * ps + tx], s + j * tw + tx, kA * tw);
        }
        for (int i = 0; i < 4; ++i) {  // along columns
          const float* si = s + i * kA * tw;
          JANUS_IVDEP
          for (int64_t tx = 0; tx < tw; ++tx)
            at6(si[tx], si[tw + tx], si[2 * tw + tx], si[3 * tw + tx], si[4 * tw + tx], si[5 * tw + tx],
                q + i * 4 * tw + tx, tw);
        }
        for (int64_t i = 0; i < 4 && 4 * ty + i < p.oh; ++i) {
          float* out = plane + (4 * ty + i) * p.ow;
          const float* qi = q + i * 4 * tw;
          if (p.ow == 4 * tw) {
            JANUS_IVDEP
            for (int64_t k = 0; k < tw; ++k)
              for (int c = 0; c < 4; ++c) out[4 * k + c] = qi[c * tw + k] + add;
          } else {
            for (int64_t col = 0; col < p.ow; ++col) out[col] = qi[(col % 4) * tw + col / 4] + add;
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
  const int64_t ps = k_stride(g.c_out, ld);
  parallel_for(0, nb * g.c_out, 1, [&](int64_t t0, int64_t t1) {
    const int64_t tw = tiles_w<kTw>(p);
    float* e = scratch(t_plane, 4 * 4 * tw + 4 * kA * tw);  // e[(i * 4 + c) * tw + tx]: dy row i, column 4 tx + c
    float* h = e + 4 * 4 * tw;                              // h[(i * 6 + j) * tw + tx]
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t nl = t / g.c_out, o = t % g.c_out;
      const float* plane = dy + ((n0 + nl) * g.c_out + o) * p.oh * p.ow;
      float* dst = dm + o * ld + nl * p.tiles_img;
      for (int64_t ty = 0; ty < p.th; ++ty, dst += tw) {
        for (int64_t i = 0; i < 4; ++i) {
          float* ei = e + i * 4 * tw;
          const float* in = plane + (4 * ty + i) * p.ow;
          if (4 * ty + i >= p.oh) {
            std::fill(ei, ei + 4 * tw, 0.0f);  // rows past the edge: zero, still transformed below
          } else if (p.ow == 4 * tw) {
            JANUS_IVDEP
            for (int64_t k = 0; k < tw; ++k)
              for (int c = 0; c < 4; ++c) ei[c * tw + k] = in[4 * k + c];
          } else {
            std::fill(ei, ei + 4 * tw, 0.0f);
            for (int64_t col = 0; col < p.ow; ++col) ei[(col % 4) * tw + col / 4] = in[col];
          }
          float* hi = h + i * kA * tw;
          JANUS_IVDEP
          for (int64_t tx = 0; tx < tw; ++tx) a4(ei[tx], ei[tw + tx], ei[2 * tw + tx], ei[3 * tw + tx], hi + tx, tw);
        }
        for (int j = 0; j < kA; ++j) {
          const float* hj = h + j * tw;
          const int64_t s = kA * tw;
          JANUS_IVDEP
          for (int64_t tx = 0; tx < tw; ++tx)
            a4(hj[tx], hj[s + tx], hj[2 * s + tx], hj[3 * s + tx], dst + j * ps + tx, kA * ps);
        }
      }
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
  const int64_t ps = k_stride(g.c_in, ld), flat = p.rows * (p.tw + 1);
  parallel_for(0, nb * g.c_in, 1, [&](int64_t t0, int64_t t1) {
    const int64_t tw = tiles_w<kTw>(p), tw1 = tw + 1;
    float* pad = scratch(t_plane, p.rows * p.cols + 4 * (flat + 1) + 2 * kPos * tw);
    float* acc = pad + p.rows * p.cols;  // acc[c * (flat + 1) + r * tw1 + k]: row r, column 4k + c
    float* e = acc + 4 * (flat + 1);     // e[(i * 6 + j) * tw + tx]: window row i, tile column j
    float* q = e + kPos * tw;            // q[(i * 6 + c) * tw + tx]: window row i, column offset c
    float *a0 = acc, *a1 = acc + (flat + 1), *a2 = acc + 2 * (flat + 1), *a3 = acc + 3 * (flat + 1);
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t nl = t / g.c_in, c = t % g.c_in;
      const float* src = dv + c * ld + nl * p.tiles_img;
      std::fill(acc, acc + 4 * (flat + 1), 0.0f);
      for (int64_t ty = 0; ty < p.th; ++ty, src += tw) {
        for (int j = 0; j < kA; ++j) {  // along rows: B on column j
          const float* vj = src + j * ps;
          JANUS_IVDEP
          for (int64_t tx = 0; tx < tw; ++tx)
            b6(vj[tx], vj[kA * ps + tx], vj[2 * kA * ps + tx], vj[3 * kA * ps + tx], vj[4 * kA * ps + tx],
               vj[5 * kA * ps + tx], e + j * tw + tx, kA * tw);
        }
        for (int i = 0; i < kA; ++i) {  // along columns, then onto the window's row
          const float* ei = e + i * kA * tw;
          float* qi = q + i * kA * tw;
          JANUS_IVDEP
          for (int64_t tx = 0; tx < tw; ++tx)
            b6(ei[tx], ei[tw + tx], ei[2 * tw + tx], ei[3 * tw + tx], ei[4 * tw + tx], ei[5 * tw + tx], qi + tx, tw);
          const int64_t row = (4 * ty + i) * tw1;
          JANUS_IVDEP
          for (int64_t tx = 0; tx < tw; ++tx) {
            a0[row + tx] += qi[tx];
            a1[row + tx] += qi[tw + tx];
            a2[row + tx] += qi[2 * tw + tx];
            a3[row + tx] += qi[3 * tw + tx];
          }
          // Columns 4 and 5 of tile tx are columns 0 and 1 of group tx + 1.
          JANUS_IVDEP
          for (int64_t tx = 0; tx < tw; ++tx) {
            a0[row + tx + 1] += qi[4 * tw + tx];
            a1[row + tx + 1] += qi[5 * tw + tx];
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
        std::copy(prow, prow + n, plane + r * g.w);
      }
    }
  });
}

// One chunk's buffers: V and M, each 36 matrices of (rows, ld) at k_stride apart.
struct ChunkBuffers {
  int64_t nb, tiles, ld, vs, ms;
  float *v, *m;
};

ChunkBuffers chunk_buffers(int64_t n0, const Plan& p) {
  ChunkBuffers c{};
  c.nb = std::min(p.chunk, p.g.n - n0);
  c.tiles = c.nb * p.tiles_img;
  c.ld = conv_padded_ld(c.tiles);
  c.vs = k_stride(p.g.c_in, c.ld);
  c.ms = k_stride(p.g.c_out, c.ld);
  c.v = scratch(t_v, kPos * c.vs);
  c.m = scratch(t_m, kPos * c.ms);
  return c;
}

}  // namespace

void winograd4_forward(float* y, const float* x, const float* w, const float* bias, const ConvGeometry& geometry) {
  const Plan p = make_plan(geometry);
  const ConvGeometry& g = p.g;
  float* u = scratch(t_u, kPos * g.c_out * g.c_in);
  transform_weight(u, w, g);
  const int64_t chunks = (g.n + p.chunk - 1) / p.chunk;
  parallel_for(0, chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t ci = c0; ci < c1; ++ci) {
      const int64_t n0 = ci * p.chunk;
      const ChunkBuffers b = chunk_buffers(n0, p);
      by_width(p, [&](auto w) { transform_input<w.value>(b.v, b.ld, x, n0, b.nb, p); });
      for (int64_t k = 0; k < kPos; ++k) {
        wgemm_nn(g.c_out, b.tiles, g.c_in, u + k * g.c_out * g.c_in, g.c_in, b.v + k * b.vs, b.ld, b.m + k * b.ms,
                 b.ld);
      }
      by_width(p, [&](auto w) { transform_output<w.value>(y, b.m, b.ld, bias, n0, b.nb, p); });
    }
  });
}

// Backward, per tile (as conv_winograd.cpp, with 36 positions):
//   dM = A dy A^T;  dU[k] += dM[k] x V[k]^T -> dw = G^T dU G;  dV[k] = U[k]^T x dM[k] -> dx += B dV B^T.
// Each chunk keeps its own dU, summed in chunk order: the same bits for any timing.
void winograd4_backward(float* dx, float* dw, const float* dy, const float* x, const float* w,
                        const ConvGeometry& geometry) {
  const Plan p = make_plan(geometry);
  const ConvGeometry& g = p.g;
  const int64_t pairs = g.c_out * g.c_in, chunks = (g.n + p.chunk - 1) / p.chunk;
  // (chunks, 36, C_out, C_in), every element written by its chunk's wgemm_nt (beta 0), so it
  // is neither zeroed nor reallocated per call (the 4.7 MiB zero fill of the 64->64 layer was
  // ~1.7% of its time).
  float* du = dw ? scratch(t_du, chunks * kPos * pairs) : nullptr;
  float* u = nullptr;
  if (dx) {
    u = scratch(t_u, kPos * pairs);
    transform_weight(u, w, g);
  }
  {
      parallel_for(0, chunks, 1, [&](int64_t c0, int64_t c1) {
      for (int64_t ci = c0; ci < c1; ++ci) {
        const int64_t n0 = ci * p.chunk;
        const ChunkBuffers b = chunk_buffers(n0, p);
        by_width(p, [&](auto w) { transform_output_grad<w.value>(b.m, b.ld, dy, n0, b.nb, p); });
        if (dw) {
          by_width(p, [&](auto w) { transform_input<w.value>(b.v, b.ld, x, n0, b.nb, p); });
          float* du_c = du + ci * kPos * pairs;
          for (int64_t k = 0; k < kPos; ++k) {
            wgemm_nt(g.c_out, g.c_in, b.tiles, b.m + k * b.ms, b.ld, b.v + k * b.vs, b.ld, du_c + k * pairs, g.c_in);
          }
        }
        if (dx) {
          for (int64_t k = 0; k < kPos; ++k) {  // dV overwrites V, which dw is done with
            wgemm_tn(g.c_in, b.tiles, g.c_out, u + k * pairs, g.c_in, b.m + k * b.ms, b.ld, b.v + k * b.vs, b.ld);
          }
          by_width(p, [&](auto w) { store_input_grad<w.value>(dx, b.v, b.ld, n0, b.nb, p); });
        }
      }
    });
  }
  if (!dw) return;
  const int64_t total = kPos * pairs;
  parallel_for(0, total, 4096, [&](int64_t i0, int64_t i1) {
    for (int64_t ci = 1; ci < chunks; ++ci)
      for (int64_t i = i0; i < i1; ++i) du[i] += du[ci * total + i];
  });
  add_weight_grad(dw, du, g);
}

}  // namespace janus::detail
