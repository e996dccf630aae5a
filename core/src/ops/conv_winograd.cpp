// Winograd F(2x2,3x3) conv2d for 3x3 stride-1 kernels: each 2x2 output tile is
// A^T [(G w G^T) . (B^T d B)] A, d the 4x4 input tile, so the 36 multiplies per tile and
// channel pair of the direct form become 16, done as 16 GEMMs (one per tile position):
//   M[k] (C_out, T) = U[k] (C_out, C_in) x V[k] (C_in, T),  U = G w G^T, V = B^T d B.
// Tiles run in chunks of whole images so V and M stay in cache; chunks run in parallel on
// janus' pool; the GEMMs are winograd_gemm.h's kernels (faster here than OpenBLAS' AVX2 ones).
#include "conv_kernels.h"
#include "scratch.h"
#include "winograd_chunks.h"
#include "winograd_shared.h"

#include <janus/core/error.h>
#include <janus/core/parallel.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

namespace janus::detail {

namespace {

constexpr int64_t kTiles = 16;            // 4x4 tile positions

thread_local std::vector<float> t_u;   // (16, C_out, C_in): U

struct WinoPlan {
  ConvGeometry g;
  int64_t oh, ow, tiles_h, tiles_w, tiles_img, chunk;  // chunk: images per chunk
};

WinoPlan make_plan(const ConvGeometry& g) {
  WinoPlan p{g, g.out_h(), g.out_w(), 0, 0, 0, 1};
  p.tiles_h = (p.oh + 1) / 2;
  p.tiles_w = (p.ow + 1) / 2;
  p.tiles_img = p.tiles_h * p.tiles_w;
  p.chunk = winograd_chunk_images(kTiles * (g.c_in + g.c_out) * p.tiles_img, p.tiles_img, g.n, g.chunk_columns);
  return p;
}

// The weight transforms, applied to the values v[0], v[s], v[2s], ... G v (3 -> 4) is
// written out in transform_weight.
// G^T v (4 -> 3): backward to w.
inline void gtt(const float* v, int s, float* o, int so) {
  const float mid = 0.5f * (v[s] + v[2 * s]);
  o[0] = v[0] + mid;
  o[so] = 0.5f * (v[s] - v[2 * s]);
  o[2 * so] = mid + v[3 * s];
}

// U (16, C_out, C_in) = G w G^T for every (o, c) pair of w (C_out, C_in, 3, 3). Blocks of
// pairs are first transposed to (9, pairs), so both passes run over pairs with unit stride and
// vectorize (per pair it ran scalar: ~5% of the 8x8 layer's time, as it runs in forward and
// again in backward). Same expressions as gt, so the same bits.
void transform_weight(float* u, const float* w, const ConvGeometry& g) {
  const int64_t pairs = g.c_out * g.c_in;
  parallel_for(0, pairs, 256, [&](int64_t i0, int64_t i1) {
    constexpr int64_t kBlock = 64;
    float in[9][kBlock], tmp[4][3][kBlock];
    for (int64_t b0 = i0; b0 < i1; b0 += kBlock) {
      const int64_t nb = std::min(kBlock, i1 - b0);
      for (int64_t i = 0; i < nb; ++i)
        for (int k = 0; k < 9; ++k) in[k][i] = w[(b0 + i) * 9 + k];
      for (int j = 0; j < 3; ++j) {  // G on column j of the kernel: rows 0..3 of tmp
        JANUS_IVDEP
        for (int64_t i = 0; i < nb; ++i) {
          const float v0 = in[j][i], v1 = in[3 + j][i], v2 = in[6 + j][i];
          tmp[0][j][i] = v0;
          tmp[1][j][i] = 0.5f * (v0 + v1 + v2);
          tmp[2][j][i] = 0.5f * (v0 - v1 + v2);
          tmp[3][j][i] = v2;
        }
      }
      for (int r = 0; r < 4; ++r) {  // G along the rows of tmp
        float* dst = u + r * 4 * pairs + b0;
        JANUS_IVDEP
        for (int64_t i = 0; i < nb; ++i) {
          const float v0 = tmp[r][0][i], v1 = tmp[r][1][i], v2 = tmp[r][2][i];
          dst[i] = v0;
          dst[pairs + i] = 0.5f * (v0 + v1 + v2);
          dst[2 * pairs + i] = 0.5f * (v0 - v1 + v2);
          dst[3 * pairs + i] = v2;
        }
      }
    }
  });
}

// w (C_out, C_in, 3, 3) += G^T dU G.
void add_weight_grad(float* dw, const float* du, const ConvGeometry& g) {
  const int64_t pairs = g.c_out * g.c_in;
  parallel_for(0, pairs, 256, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      float t[4][4], tmp[3][4], r[3][3];
      for (int k = 0; k < kTiles; ++k) t[k / 4][k % 4] = du[k * pairs + i];
      for (int j = 0; j < 4; ++j) gtt(&t[0][j], 4, &tmp[0][j], 4);
      for (int row = 0; row < 3; ++row) gtt(tmp[row], 1, r[row], 1);
      for (int k = 0; k < 9; ++k) dw[i * 9 + k] += r[k / 3][k % 3];
    }
  });
}

thread_local std::vector<float> t_plane;  // one zero-padded plane per worker

// A plane of 2*tiles_h+2 rows and 2*tiles_w+2 columns: the input window of every tile,
// with padding and the overhang of odd-sized outputs as zeros.
struct Padded {
  int64_t rows, cols;
};
Padded padded_shape(const WinoPlan& p) { return {2 * p.tiles_h + 2, 2 * p.tiles_w + 2}; }

// Each transform works on one (image, channel) plane at a time with the plane's tile index
// t = ty * tiles_w + tx innermost: the 16 matrices' columns of one plane are contiguous, so
// the arithmetic runs over whole planes in unit-stride vector loops. The gathers from and
// scatters to the image plane split its rows into even and odd columns, so they too run with
// unit stride, over one row of tiles (4 or 8 wide known at compile time, winograd_shared.h;
// element by element they were ~15% of the 8x8 layer's time). Same operations, same order
// and same bits as the row-wise version.

// V (16, C_in, ld) = B^T d B for every tile of images [n0, n0 + nb) of x (N, C_in, H, W).
// The zero-padded plane is split into its even and odd columns (cols = 2 (tw + 1)), so that
// column 2 tx + q of a row is phase q % 2 at tx + q / 2 and every window row is gathered with
// unit-stride copies of one row of tiles.
template <int kTw>
void transform_input(float* v, int64_t ld, const float* x, int64_t n0, int64_t nb,
                     const WinoPlan& p) {
  const ConvGeometry& g = p.g;
  const int64_t plane_stride = k_stride(g.c_in, ld), nt = p.tiles_img;
  const Padded ps = padded_shape(p);
  const int64_t flat = ps.rows * (p.tiles_w + 1);
  parallel_for(0, nb * g.c_in, 1, [&](int64_t t0, int64_t t1) {
    const int64_t tw = tiles_per_row<kTw>(p.tiles_w), tw1 = tw + 1;
    float* pad = scratch(t_plane, ps.rows * ps.cols + 2 * flat + 16 * nt);  // (rows, cols)
    float* even = pad + ps.rows * ps.cols;  // even[r * tw1 + k]: row r, column 2k
    float* odd = even + flat;               // odd[r * tw1 + k]: row r, column 2k + 1
    float* win = odd + flat;                // win[(r * 4 + s) * nt + t]
    // Every plane writes the same interior positions, so the padding is zeroed once per task.
    std::fill(pad, pad + ps.rows * ps.cols, 0.0f);
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t nl = t / g.c_in, c = t % g.c_in;
      const float* src = x + ((n0 + nl) * g.c_in + c) * g.h * g.w;
      for (int64_t r = 0; r < g.h && r + g.pad_h < ps.rows; ++r) {
        const int64_t n = std::min(g.w, ps.cols - g.pad_w);
        copy_row(src + r * g.w, n, pad + (r + g.pad_h) * ps.cols + g.pad_w);
      }
      JANUS_IVDEP
      for (int64_t f = 0; f < flat; ++f) even[f] = pad[2 * f], odd[f] = pad[2 * f + 1];
      for (int64_t ty = 0; ty < p.tiles_h; ++ty)
        for (int r = 0; r < 4; ++r) {
          const float* e = even + (2 * ty + r) * tw1;
          const float* o = odd + (2 * ty + r) * tw1;
          float* wr = win + (r * 4) * nt + ty * tw;
          JANUS_IVDEP
          for (int64_t tx = 0; tx < tw; ++tx)
            wr[tx] = e[tx], wr[nt + tx] = o[tx], wr[2 * nt + tx] = e[tx + 1], wr[3 * nt + tx] = o[tx + 1];
        }
      float* dst = v + c * ld + nl * nt;
      JANUS_IVDEP
      for (int64_t k = 0; k < nt; ++k) {
        float h[4][4];  // h[i][j]: row i of the window, transformed along columns
        for (int i = 0; i < 4; ++i) {
          const float d0 = win[(i * 4) * nt + k], d1 = win[(i * 4 + 1) * nt + k];
          const float d2 = win[(i * 4 + 2) * nt + k], d3 = win[(i * 4 + 3) * nt + k];
          h[i][0] = d0 - d2;
          h[i][1] = d1 + d2;
          h[i][2] = d2 - d1;
          h[i][3] = d1 - d3;
        }
        for (int j = 0; j < 4; ++j) {
          dst[(0 * 4 + j) * plane_stride + k] = h[0][j] - h[2][j];
          dst[(1 * 4 + j) * plane_stride + k] = h[1][j] + h[2][j];
          dst[(2 * 4 + j) * plane_stride + k] = h[2][j] - h[1][j];
          dst[(3 * 4 + j) * plane_stride + k] = h[1][j] - h[3][j];
        }
      }
    }
  });
}

// dx (N, C_in, H, W) = B dV B^T summed over the tiles' 4x4 input windows: windows overlap by
// two rows/columns and add up in a zero-padded plane (fixed order), kept as its even and odd
// columns and then interleaved, whose inner part is dx's plane (written, not added: the
// padded plane covers every input pixel, so dx needs no zero fill first). One task per
// (image, channel) plane.
template <int kTw>
void store_input_grad(float* dx, const float* dv, int64_t ld, int64_t n0, int64_t nb,
                      const WinoPlan& p) {
  const ConvGeometry& g = p.g;
  const int64_t plane_stride = k_stride(g.c_in, ld), nt = p.tiles_img;
  const Padded ps = padded_shape(p);
  JANUS_CHECK(ps.rows >= g.h + g.pad_h && ps.cols >= g.w + g.pad_w,
              "winograd: padded plane {}x{} does not cover input {}x{} with padding {}", ps.rows, ps.cols, g.h, g.w,
              g.pad_h);
  const int64_t flat = ps.rows * (p.tiles_w + 1);
  parallel_for(0, nb * g.c_in, 1, [&](int64_t t0, int64_t t1) {
    const int64_t tw = tiles_per_row<kTw>(p.tiles_w), tw1 = tw + 1;
    float* pad = scratch(t_plane, ps.rows * ps.cols + 2 * flat + 16 * nt);
    float* even = pad + ps.rows * ps.cols;  // even[r * tw1 + k]: row r, column 2k
    float* odd = even + flat;               // odd[r * tw1 + k]: row r, column 2k + 1
    float* q = odd + flat;                  // q[(i * 4 + c) * nt + t]: window row i, column offset c
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t nl = t / g.c_in, c = t % g.c_in;
      const float* src = dv + c * ld + nl * nt;
      JANUS_IVDEP
      for (int64_t k = 0; k < nt; ++k) {
        float e[4][4];
        for (int j = 0; j < 4; ++j) {  // along rows: B applied to column j
          const float v0 = src[(0 * 4 + j) * plane_stride + k], v1 = src[(1 * 4 + j) * plane_stride + k];
          const float v2 = src[(2 * 4 + j) * plane_stride + k], v3 = src[(3 * 4 + j) * plane_stride + k];
          e[0][j] = v0, e[1][j] = v1 - v2 + v3, e[2][j] = v1 + v2 - v0, e[3][j] = -v3;
        }
        for (int i = 0; i < 4; ++i) {  // along columns
          q[(i * 4) * nt + k] = e[i][0];
          q[(i * 4 + 1) * nt + k] = e[i][1] - e[i][2] + e[i][3];
          q[(i * 4 + 2) * nt + k] = e[i][1] + e[i][2] - e[i][0];
          q[(i * 4 + 3) * nt + k] = -e[i][3];
        }
      }
      std::fill(even, even + 2 * flat, 0.0f);
      for (int64_t ty = 0; ty < p.tiles_h; ++ty) {
        for (int i = 0; i < 4; ++i) {
          float* er = even + (2 * ty + i) * tw1;
          float* orow = odd + (2 * ty + i) * tw1;
          const float* qi = q + (i * 4) * nt + ty * tw;
          JANUS_IVDEP
          for (int64_t tx = 0; tx < tw; ++tx) er[tx] += qi[tx], orow[tx] += qi[nt + tx];
          JANUS_IVDEP
          for (int64_t tx = 0; tx < tw; ++tx) er[tx + 1] += qi[2 * nt + tx], orow[tx + 1] += qi[3 * nt + tx];
        }
      }
      JANUS_IVDEP
      for (int64_t f = 0; f < flat; ++f) pad[2 * f] = even[f], pad[2 * f + 1] = odd[f];
      float* plane = dx + ((n0 + nl) * g.c_in + c) * g.h * g.w;
      for (int64_t r = 0; r < g.h && r + g.pad_h < ps.rows; ++r) {
        const float* row = pad + (r + g.pad_h) * ps.cols + g.pad_w;
        const int64_t n = std::min(g.w, ps.cols - g.pad_w);
        copy_row(row, n, plane + r * g.w);
      }
    }
  });
}

// y (N, C_out, OH, OW) = A^T M A (+ bias) for images [n0, n0 + nb); partial edge tiles
// write only their in-range outputs.
template <int kTw>
void transform_output(float* y, const float* m, int64_t ld, const float* bias, int64_t n0,
                      int64_t nb, const WinoPlan& p) {
  const ConvGeometry& g = p.g;
  const int64_t plane_stride = k_stride(g.c_out, ld), nt = p.tiles_img;
  parallel_for(0, nb * g.c_out, 1, [&](int64_t t0, int64_t t1) {
    const int64_t tw = tiles_per_row<kTw>(p.tiles_w);
    float* out4 = scratch(t_plane, 4 * nt);  // out4[(i * 2 + c) * nt + t]: output (2 ty + i, 2 tx + c)
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t nl = t / g.c_out, o = t % g.c_out;
      float* plane = y + ((n0 + nl) * g.c_out + o) * p.oh * p.ow;
      const float* src = m + o * ld + nl * nt;
      const float add = bias ? bias[o] : 0.0f;
      JANUS_IVDEP
      for (int64_t k = 0; k < nt; ++k) {
        float s[2][4];
        for (int j = 0; j < 4; ++j) {
          const float v0 = src[(0 * 4 + j) * plane_stride + k], v1 = src[(1 * 4 + j) * plane_stride + k];
          const float v2 = src[(2 * 4 + j) * plane_stride + k], v3 = src[(3 * 4 + j) * plane_stride + k];
          s[0][j] = v0 + v1 + v2;
          s[1][j] = v1 - v2 - v3;
        }
        for (int i = 0; i < 2; ++i) {
          out4[(i * 2) * nt + k] = s[i][0] + s[i][1] + s[i][2] + add;
          out4[(i * 2 + 1) * nt + k] = s[i][1] - s[i][2] - s[i][3] + add;
        }
      }
      for (int64_t ty = 0; ty < p.tiles_h; ++ty)
        for (int64_t i = 0; i < 2 && 2 * ty + i < p.oh; ++i) {
          float* out = plane + (2 * ty + i) * p.ow;
          const float* ev = out4 + (i * 2) * nt + ty * tw;
          if (p.ow == 2 * tw) {
            JANUS_IVDEP
            for (int64_t k = 0; k < tw; ++k) out[2 * k] = ev[k], out[2 * k + 1] = ev[nt + k];
          } else {
            for (int64_t k = 0; k < p.ow; ++k) out[k] = (k & 1) ? ev[nt + k / 2] : ev[k / 2];
          }
        }
    }
  });
}

// dM (16, C_out, ld) = A dy A^T for every tile; outputs past the edge count as zero.
template <int kTw>
void transform_output_grad(float* dm, int64_t ld, const float* dy, int64_t n0, int64_t nb,
                           const WinoPlan& p) {
  const ConvGeometry& g = p.g;
  const int64_t plane_stride = k_stride(g.c_out, ld), nt = p.tiles_img;
  parallel_for(0, nb * g.c_out, 1, [&](int64_t t0, int64_t t1) {
    const int64_t tw = tiles_per_row<kTw>(p.tiles_w);
    float* in4 = scratch(t_plane, 4 * nt);  // in4[(i * 2 + c) * nt + t]: dy (2 ty + i, 2 tx + c) or 0
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t nl = t / g.c_out, o = t % g.c_out;
      const float* plane = dy + ((n0 + nl) * g.c_out + o) * p.oh * p.ow;
      float* dst = dm + o * ld + nl * nt;
      for (int64_t ty = 0; ty < p.tiles_h; ++ty)
        for (int64_t i = 0; i < 2; ++i) {
          float* ev = in4 + (i * 2) * nt + ty * tw;
          if (2 * ty + i >= p.oh || p.ow < 2 * tw) {
            for (int64_t tx = 0; tx < tw; ++tx) ev[tx] = ev[nt + tx] = 0.0f;
            if (2 * ty + i >= p.oh) continue;
          }
          const float* in = plane + (2 * ty + i) * p.ow;
          if (p.ow == 2 * tw) {
            JANUS_IVDEP
            for (int64_t k = 0; k < tw; ++k) ev[k] = in[2 * k], ev[nt + k] = in[2 * k + 1];
          } else {
            for (int64_t k = 0; k < p.ow; ++k) ((k & 1) ? ev[nt + k / 2] : ev[k / 2]) = in[k];
          }
        }
      JANUS_IVDEP
      for (int64_t k = 0; k < nt; ++k) {
        float h[2][4];  // dy row i transformed along columns (A applied)
        for (int i = 0; i < 2; ++i) {
          const float e = in4[(i * 2) * nt + k], od = in4[(i * 2 + 1) * nt + k];
          h[i][0] = e, h[i][1] = e + od, h[i][2] = e - od, h[i][3] = -od;
        }
        for (int j = 0; j < 4; ++j) {
          dst[(0 * 4 + j) * plane_stride + k] = h[0][j];
          dst[(1 * 4 + j) * plane_stride + k] = h[0][j] + h[1][j];
          dst[(2 * 4 + j) * plane_stride + k] = h[0][j] - h[1][j];
          dst[(3 * 4 + j) * plane_stride + k] = -h[1][j];
        }
      }
    }
  });
}

}  // namespace

bool winograd_eligible(const ConvGeometry& g) {
  return g.kh == 3 && g.kw == 3 && g.stride_h == 1 && g.stride_w == 1 && g.dil_h == 1 && g.dil_w == 1 &&
         g.pad_h == g.pad_w && g.groups == 1;
}

// Measured on the benchmark CNN (bench/README.md): Winograd beat im2col on every layer with
// 32 or more input channels; with 3 its forward was slower (K = 3 SGEMMs, transforms of all
// 32 output channels). Outputs under 4x4 waste most of their 2x2 tiles.
bool winograd_preferred(const ConvGeometry& g) {
  return winograd_eligible(g) && g.c_in >= 8 && g.out_h() >= 4 && g.out_w() >= 4;
}

// F(4x4,3x3) on maps of 16x16 and more. Measured (perf stat task-clock, 1 thread, conv_bench
// --only, 3 interleaved rounds, AVX-512 build): 32->32 @32x32 and the 16x16 layers ran 3-15%
// less CPU time than F(2x2), 64->128 @8x8 13% more (2 tiles across: its transforms' tx loops
// are 2 wide and the SGEMMs 4x narrower).
// JANUS_CONV_WINOGRAD4=0 keeps automatic dispatch on F(2x2) (its rounding is ~20x smaller;
// for A/B runs of training curves), read once.
bool winograd4_preferred(const ConvGeometry& g) {
  static const bool enabled = [] {
    const char* env = std::getenv("JANUS_CONV_WINOGRAD4");
    return !(env && std::string(env) == "0");
  }();
  return enabled && g.out_h() >= 16 && g.out_w() >= 16;
}

// Chunks of images run in parallel on janus' pool, each start to finish on one thread
// (winograd_chunks.h).
void winograd_forward(float* y, const float* x, const float* w, const float* bias,
                      const ConvGeometry& geometry) {
  const WinoPlan p = make_plan(geometry);
  const ConvGeometry& g = p.g;
  float* u = scratch(t_u, kTiles * g.c_out * g.c_in);
  transform_weight(u, w, g);
  winograd_chunks_forward(
      g, {kTiles, p.tiles_img, p.chunk}, u,
      [&](const WinoChunk& b) {
        by_tiles_per_row(p.tiles_w, [&](auto w) { transform_input<w.value>(b.v, b.ld, x, b.n0, b.nb, p); });
      },
      [&](const WinoChunk& b) {
        by_tiles_per_row(p.tiles_w, [&](auto w) { transform_output<w.value>(y, b.m, b.ld, bias, b.n0, b.nb, p); });
      });
}

// Backward, per tile with M = U . V and y = A^T M A:
//   dM = A dy A^T;   dU = sum over tiles of dM . V   ->  dw = G^T dU G
//   dV = dM . U (per channel pair, summed over C_out)  ->  dd = B dV B^T, added onto the tile's
//   input window (windows overlap by 2 rows/columns; padding positions are dropped).
// As matrices per tile position k: dU[k] += dM[k] x V[k]^T and dV[k] = U[k]^T x dM[k].
// Chunks run in parallel as in forward; each keeps its own dU, summed in chunk order
// (winograd_chunks.h).
void winograd_backward(float* dx, float* dw, const float* dy, const float* x, const float* w,
                       const ConvGeometry& geometry) {
  const WinoPlan p = make_plan(geometry);
  const ConvGeometry& g = p.g;
  float* u = nullptr;
  if (dx) {
    u = scratch(t_u, kTiles * g.c_out * g.c_in);
    transform_weight(u, w, g);
  }
  const float* du = winograd_chunks_backward(
      g, {kTiles, p.tiles_img, p.chunk}, u, dw != nullptr,
      [&](const WinoChunk& b) {
        by_tiles_per_row(p.tiles_w, [&](auto w) { transform_output_grad<w.value>(b.m, b.ld, dy, b.n0, b.nb, p); });
      },
      [&](const WinoChunk& b) {
        by_tiles_per_row(p.tiles_w, [&](auto w) { transform_input<w.value>(b.v, b.ld, x, b.n0, b.nb, p); });
      },
      [&](const WinoChunk& b) {
        by_tiles_per_row(p.tiles_w, [&](auto w) { store_input_grad<w.value>(dx, b.v, b.ld, b.n0, b.nb, p); });
      });
  if (du) add_weight_grad(dw, du, g);
}

}  // namespace janus::detail
