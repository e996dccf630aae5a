// conv2d's direct path for few input channels (1 to 4), 3x3 kernel, stride 1, dilation 1, one
// group: the benchmark CNN's first layer (3->32 @32x32). There im2col's GEMMs are thin (K = 27)
// and building the column matrix costs about as much as the multiplies. Here each image is
// copied once into zero-padded planes, and every output row is the sum of c_in*9 shifted input
// rows times one tap each: the taps are compile-time unrolled (c_in is a template parameter),
// the loop over the output width is left to the compiler's vectorizer (any -march).
#include "conv_kernels.h"
#include "scratch.h"
#include "share_items.h"

#include <janus/core/parallel.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

namespace janus::detail {

bool direct_eligible(const ConvGeometry& g) {
  return g.kh == 3 && g.kw == 3 && g.stride_h == 1 && g.stride_w == 1 && g.dil_h == 1 && g.dil_w == 1 &&
         g.groups == 1 && g.c_in >= 1 && g.c_in <= 4;
}

// Measured on 3->32 @32x32 (bench/README.md): the direct path ran fewer instructions and less
// time than im2col for forward, dx and dw; below 8 output columns a row is shorter than one
// AVX2 vector, so im2col's wide GEMM keeps those.
bool direct_preferred(const ConvGeometry& g) { return direct_eligible(g) && g.out_w() >= 8; }

namespace {

// One vector of float lanes (GCC/Clang vector extension, as in norm_kernels.cpp): 16 lanes (one
// zmm register) where AVX-512 is compiled in, else 8 (one ymm on AVX2, two xmm without -march).
// The kernels below are written once in terms of kLanes; register blocks are sized for the
// register file: AVX-512 has 32 vector registers, AVX2 16.
#ifdef __AVX512F__
constexpr int kLanes = 16;
constexpr int kOutBlock = 8;   // output channels per register block (forward: 16 accumulators, dw: 24)
constexpr int kAccVectors = 24;  // accumulators a register block may hold, leaving room for operands
#else
constexpr int kLanes = 8;
constexpr int kOutBlock = 4;  // forward: 8 accumulators, dw: 12
constexpr int kAccVectors = 12;
#endif
typedef float Vec __attribute__((vector_size(kLanes * sizeof(float))));

inline Vec loadv(const float* p) {
  Vec v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void storev(float* p, Vec v) { std::memcpy(p, &v, sizeof v); }

constexpr int64_t kBlock = 2 * kLanes;  // output columns per register block (two vectors)
// Fixed batch chunks for dw: each chunk sums its images into its own part, the parts are then
// added in chunk order, so dw's bits do not depend on the thread count.
constexpr int64_t kImagesPerPart = 4;

int64_t round_up(int64_t n, int64_t m) { return (n + m - 1) / m * m; }

thread_local std::vector<float> t_xp, t_dyp, t_tmp, t_parts;

// dx's dyq: its zero border sits at the same places for every image of a geometry, so it is
// zeroed when a thread's layout changes and each image then rewrites the interior only.
struct Bordered {
  std::vector<float> data;
  int64_t layout[4] = {-1, -1, -1, -1};  // planes, rows, width of the interior; row stride
};
thread_local Bordered t_dyq;

// Buffer sizes. The padded input xp (C_in, PH, S) has a zero border (pad_h rows, pad_w
// columns) and rows of S = OWr + 2 floats, OWr = OW rounded up to kBlock, so that a block's
// loads never leave the row. dw reads dy in vectors of kLanes columns: straight from dy where OW
// is a multiple of kLanes (the benchmark's 32), else from a zero-extended copy dyp (C_out, OH,
// OWl), OWl = OW rounded up to kLanes. dx (a full convolution with the flipped taps) reads dyq
// (C_out, OH + 4, S2), dy inside a 2-wide zero border; its rows are computed kBlock at a time,
// WR = W rounded up.
struct Dims {
  int64_t ph, oh, ow, owr, owl, s, wr, s2;
};

Dims dims(const ConvGeometry& g) {
  Dims d;
  d.ph = g.h + 2 * g.pad_h;
  d.oh = d.ph - 2;
  d.ow = g.w + 2 * g.pad_w - 2;
  d.owr = round_up(d.ow, kBlock);
  d.owl = round_up(d.ow, kLanes);
  d.s = d.owr + 2;
  d.wr = round_up(g.w, kBlock);
  d.s2 = std::max(g.pad_w + d.wr + 2, d.ow + 4);
  return d;
}

// out (planes, rows_to, width_to) = in (planes, rows_from, width_from) placed at (row, col)
// inside a zero border: the padded input xp (row = pad_h, col = pad_w) and dw's zero-extended
// copy of dy. Only the border is zeroed (the buffers are rewritten for every image).
void extend(float* out, const float* in, int64_t planes, int64_t rows_from, int64_t width_from, int64_t rows_to,
            int64_t width_to, int64_t row, int64_t col) {
  for (int64_t p = 0; p < planes; ++p) {
    float* plane = out + p * rows_to * width_to;
    std::fill(plane, plane + row * width_to, 0.0f);
    for (int64_t r = 0; r < rows_from; ++r) {
      float* line = plane + (r + row) * width_to;
      std::fill(line, line + col, 0.0f);
      std::memcpy(line + col, in + (p * rows_from + r) * width_from, sizeof(float) * width_from);
      std::fill(line + col + width_from, line + width_to, 0.0f);
    }
    std::fill(plane + (rows_from + row) * width_to, plane + rows_to * width_to, 0.0f);
  }
}

// xp (C_in, PH, S) = image x (C_in, H, W) inside its zero border.
void pad_image(float* xp, const float* x, const ConvGeometry& g, const Dims& d) {
  extend(xp, x, g.c_in, g.h, g.w, d.ph, d.s, g.pad_h, g.pad_w);
}

// y[o0 .. o0+K) (OH, OW) of one image: each output row block is bias plus the C*9 taps times
// the input rows shifted by (i, j). Blocks inside the row are stored straight into y; the last,
// partial one of a row through tmp (K * kBlock floats).
template <int C, int K>
void forward_block(float* y, const float* xp, const float* w, const float* bias, int64_t o0, const Dims& d,
                   float* tmp) {
  float tap[K][C * 9];
  for (int k = 0; k < K; ++k)
    for (int t = 0; t < C * 9; ++t) tap[k][t] = w[(o0 + k) * C * 9 + t];
  for (int64_t oh = 0; oh < d.oh; ++oh) {
    float* yr = y + (o0 * d.oh + oh) * d.ow;  // y[o0][oh]; channel k is k * OH * OW further
    // Hidden from the optimizer, so that it does not hoist K*C*9 broadcast taps out of the row
    // loop into stack vectors (one full-vector load per multiply-add): each multiply-add then
    // broadcasts its tap from this 4-byte float (AVX-512 FMA's embedded broadcast).
    const float* tp = &tap[0][0];
    asm("" : "+r"(tp));
    for (int64_t ow = 0; ow < d.owr; ow += kBlock) {
      Vec acc[K][2];
#pragma GCC unroll 8
      for (int k = 0; k < K; ++k) acc[k][0] = acc[k][1] = Vec{} + (bias ? bias[o0 + k] : 0.0f);
#pragma GCC unroll 36
      for (int t = 0; t < C * 9; ++t) {
        const float* src = xp + ((t / 9) * d.ph + oh + (t / 3) % 3) * d.s + ow + t % 3;
        const Vec a = loadv(src), b = loadv(src + kLanes);
#pragma GCC unroll 8
        for (int k = 0; k < K; ++k) acc[k][0] += tp[k * C * 9 + t] * a, acc[k][1] += tp[k * C * 9 + t] * b;
      }
      if (ow + kBlock <= d.ow) {
        for (int k = 0; k < K; ++k) {
          float* dst = yr + k * d.oh * d.ow + ow;
          storev(dst, acc[k][0]), storev(dst + kLanes, acc[k][1]);
        }
      } else {
        for (int k = 0; k < K; ++k) {
          storev(tmp + k * kBlock, acc[k][0]), storev(tmp + k * kBlock + kLanes, acc[k][1]);
          std::memcpy(yr + k * d.oh * d.ow + ow, tmp + k * kBlock, sizeof(float) * (d.ow - ow));
        }
      }
    }
  }
}

// part[o0 .. o0+K) (C*9, kLanes) += dy x shifted input rows of one image, for input channel c
// and kernel row i: 3 taps (j) per output channel. dy rows are ld floats apart, OWl wide.
template <int C, int K>
void dw_block(float* part, const float* dy, int64_t ld, const float* xp, int64_t o0, int c, int i, const Dims& d) {
  Vec acc[K][3] = {};
  for (int64_t oh = 0; oh < d.oh; ++oh) {
    const float* xr = xp + (c * d.ph + oh + i) * d.s;
    const float* dr = dy + (o0 * d.oh + oh) * ld;
    for (int64_t ow = 0; ow < d.owl; ow += kLanes) {
      const Vec x0 = loadv(xr + ow), x1 = loadv(xr + ow + 1), x2 = loadv(xr + ow + 2);
#pragma GCC unroll 8
      for (int k = 0; k < K; ++k) {
        Vec dv = loadv(dr + k * d.oh * ld + ow);
        asm("" : "+v"(dv));  // one load into a register, not folded into each of the 3 FMAs
        acc[k][0] += dv * x0, acc[k][1] += dv * x1, acc[k][2] += dv * x2;
      }
    }
  }
  for (int k = 0; k < K; ++k)
    for (int j = 0; j < 3; ++j) {
      float* dst = part + ((o0 + k) * C * 9 + c * 9 + i * 3 + j) * kLanes;
      storev(dst, loadv(dst) + acc[k][j]);
    }
}

// All of one image's dw for output channels [o0, o0 + K): the 9 (c, i) passes run over the
// same K channels of dy, which stay in L1 between passes.
template <int C, int K>
void dw_channels(float* part, const float* dy, int64_t ld, const float* xp, int64_t o0, const Dims& d) {
  for (int c = 0; c < C; ++c)
    for (int i = 0; i < 3; ++i) dw_block<C, K>(part, dy, ld, xp, o0, c, i, d);
}

// dx (C, H, W) of one image += the full convolution of dyq with the flipped taps:
// dx[c][p][q] (padded coordinates) = sum over o, i, j of w[o][c][i][j] * dy[o][p-i][q-j].
// R rows at a time (C*R*2 accumulators: enough independent FMA chains to cover the FMA
// latency); each dyq row u of the R+2 that R rows read is loaded once per tap column j and
// feeds output row r through kernel row i = r + 2 - u. tmp holds C*R rows of WR floats.
// kDxRows<C>: as many rows (up to 4) as the register file holds accumulators for.
template <int C>
constexpr int kDxRows = std::min(4, kAccVectors / (2 * C));

template <int C, int R>
void dx_rows(float* dx, const float* dyq, const float* w, int64_t h, const ConvGeometry& g, const Dims& d,
             float* tmp) {
  const int64_t p = h + g.pad_h;
  for (int64_t q0 = 0; q0 < d.wr; q0 += kBlock) {
    Vec acc[R][C][2] = {};
    for (int64_t o = 0; o < g.c_out; ++o) {
      const float* wo = w + o * C * 9;
#pragma GCC unroll 6
      for (int u = 0; u < R + 2; ++u) {
        const float* row = dyq + (o * (d.oh + 4) + p + u) * d.s2 + g.pad_w + q0 + 2;
#pragma GCC unroll 3
        for (int j = 0; j < 3; ++j) {
          const Vec a = loadv(row - j), b = loadv(row - j + kLanes);
#pragma GCC unroll 4
          for (int r = 0; r < R; ++r) {
            const int i = r + 2 - u;
            if (i < 0 || i > 2) continue;
#pragma GCC unroll 4
            for (int c = 0; c < C; ++c) {
              const float tap = wo[(c * 3 + i) * 3 + j];
              acc[r][c][0] += tap * a, acc[r][c][1] += tap * b;
            }
          }
        }
      }
    }
    for (int r = 0; r < R; ++r)
      for (int c = 0; c < C; ++c) {
        float* t = tmp + (r * C + c) * d.wr + q0;
        storev(t, acc[r][c][0]), storev(t + kLanes, acc[r][c][1]);
      }
  }
  for (int r = 0; r < R; ++r)
    for (int c = 0; c < C; ++c) {
      float* dst = dx + (c * g.h + h + r) * g.w;
      const float* t = tmp + (r * C + c) * d.wr;
      for (int64_t k = 0; k < g.w; ++k) dst[k] += t[k];
    }
}

template <int C>
void dx_image(float* dx, const float* dyq, const float* w, const ConvGeometry& g, const Dims& d, float* tmp) {
  constexpr int R = kDxRows<C>;
  int64_t h = 0;
  for (; h + R <= g.h; h += R) dx_rows<C, R>(dx, dyq, w, h, g, d, tmp);
  for (; h < g.h; ++h) dx_rows<C, 1>(dx, dyq, w, h, g, d, tmp);
}

template <int C>
void forward_all(float* y, const float* x, const float* w, const float* bias, const ConvGeometry& g) {
  const Dims d = dims(g);
  share_items(g.n, [&](std::atomic<int64_t>& next) {
    float* xp = scratch(t_xp, C * d.ph * d.s);
    float* tmp = scratch(t_tmp, kOutBlock * kBlock);
    for (int64_t n; (n = next.fetch_add(1)) < g.n;) {
      pad_image(xp, x + n * C * g.h * g.w, g, d);
      float* yn = y + n * g.c_out * d.oh * d.ow;
      int64_t o = 0;
      for (; o + kOutBlock <= g.c_out; o += kOutBlock) forward_block<C, kOutBlock>(yn, xp, w, bias, o, d, tmp);
      for (; o + 4 <= g.c_out; o += 4) forward_block<C, 4>(yn, xp, w, bias, o, d, tmp);
      for (; o < g.c_out; ++o) forward_block<C, 1>(yn, xp, w, bias, o, d, tmp);
    }
  });
}

template <int C>
void backward_all(float* dx, float* dw, const float* dy, const float* x, const float* w, const ConvGeometry& g) {
  const Dims d = dims(g);
  const int64_t xs = C * g.h * g.w, ys = g.c_out * d.oh * d.ow, part = g.c_out * C * 9 * kLanes;
  const int64_t n_parts = (g.n + kImagesPerPart - 1) / kImagesPerPart;
  const bool dy_direct = d.ow == d.owl;  // dw reads dy itself, no copy
  // (parts, C_out, C*9, kLanes): the calling thread's buffer, reused from step to step; each part
  // is zeroed by the worker that claims it.
  float* const parts = dw ? scratch(t_parts, n_parts * part) : nullptr;
  share_items(n_parts, [&](std::atomic<int64_t>& next) {
    float* xp = dw ? scratch(t_xp, C * d.ph * d.s) : nullptr;
    float* dyp = dw && !dy_direct ? scratch(t_dyp, g.c_out * d.oh * d.owl) : nullptr;
    float* dyq = nullptr;
    if (dx) {
      const int64_t layout[4] = {g.c_out, d.oh, d.ow, d.s2};
      if (!std::equal(layout, layout + 4, t_dyq.layout)) {
        t_dyq.data.assign(static_cast<size_t>(g.c_out * (d.oh + 4) * d.s2), 0.0f);
        std::copy(layout, layout + 4, t_dyq.layout);
      }
      dyq = t_dyq.data.data();
    }
    float* tmp = scratch(t_tmp, kDxRows<C> * C * d.wr);
    for (int64_t p; (p = next.fetch_add(1)) < n_parts;) {
      if (dw) std::fill_n(parts + p * part, part, 0.0f);
      for (int64_t n = p * kImagesPerPart; n < std::min(g.n, (p + 1) * kImagesPerPart); ++n) {
        if (dw) {
          pad_image(xp, x + n * xs, g, d);
          const float* dyn = dy + n * ys;
          if (!dy_direct) extend(dyp, dyn, g.c_out, d.oh, d.ow, d.oh, d.owl, 0, 0), dyn = dyp;
          const int64_t ld = d.owl;
          float* pp = parts + p * part;
          int64_t o = 0;
          for (; o + kOutBlock <= g.c_out; o += kOutBlock) dw_channels<C, kOutBlock>(pp, dyn, ld, xp, o, d);
          for (; o + 4 <= g.c_out; o += 4) dw_channels<C, 4>(pp, dyn, ld, xp, o, d);
          for (; o < g.c_out; ++o) dw_channels<C, 1>(pp, dyn, ld, xp, o, d);
        }
        if (dx) {
          // dyq (C_out, OH + 4, S2) = dy inside its 2-wide zero border (already zero).
          for (int64_t o = 0; o < g.c_out; ++o)
            for (int64_t r = 0; r < d.oh; ++r)
              std::memcpy(dyq + (o * (d.oh + 4) + r + 2) * d.s2 + 2, dy + n * ys + (o * d.oh + r) * d.ow,
                          sizeof(float) * d.ow);
          dx_image<C>(dx + n * xs, dyq, w, g, d, tmp);
        }
      }
    }
  });
  if (!dw) return;
  // dw[o][t] += the kLanes lanes of every part, in part order.
  for (int64_t e = 0; e < g.c_out * C * 9; ++e) {
    float sum = 0.0f;
    for (int64_t p = 0; p < n_parts; ++p) {
      const float* a = parts + p * part + e * kLanes;
      float s = 0.0f;
      for (int l = 0; l < kLanes; ++l) s += a[l];
      sum += s;
    }
    dw[e] += sum;
  }
}

}  // namespace

void direct_forward(float* y, const float* x, const float* w, const float* bias, const ConvGeometry& g) {
  switch (g.c_in) {
    case 1: return forward_all<1>(y, x, w, bias, g);
    case 2: return forward_all<2>(y, x, w, bias, g);
    case 3: return forward_all<3>(y, x, w, bias, g);
    default: return forward_all<4>(y, x, w, bias, g);
  }
}

void direct_backward(float* dx, float* dw, const float* dy, const float* x, const float* w, const ConvGeometry& g) {
  switch (g.c_in) {
    case 1: return backward_all<1>(dx, dw, dy, x, w, g);
    case 2: return backward_all<2>(dx, dw, dy, x, w, g);
    case 3: return backward_all<3>(dx, dw, dy, x, w, g);
    default: return backward_all<4>(dx, dw, dy, x, w, g);
  }
}

}  // namespace janus::detail
