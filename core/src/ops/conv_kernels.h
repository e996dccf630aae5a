// Raw conv2d kernels (no autograd): im2col + OpenBLAS SGEMM over chunks of the batch,
// Winograd F(2x2,3x3) for 3x3 stride-1 convolutions (conv_winograd.cpp), and a direct kernel
// for 3x3 convolutions of 1-4 input channels (conv_direct.cpp). Internal to core.
// The op in conv.cpp checks shapes and records backward; these kernels trust their
// geometry, so they can be tested and benchmarked alone.
#pragma once

#include "serial_blas.h"

#include <cblas.h>

#include <cstdint>

namespace janus::detail {

// Which algorithm runs a conv2d. automatic picks Winograd where it is eligible and measured
// to pay (conv_winograd.cpp), im2col otherwise; the others force one (tests, benchmarks):
// winograd is F(2x2,3x3), winograd4 F(4x4,3x3) (conv_winograd4.cpp), direct the few-channel
// kernel (conv_direct.cpp).
enum class ConvAlgo : int64_t { automatic = 0, im2col = 1, winograd = 2, winograd4 = 3, direct = 4 };

// Sizes of one conv2d call. Weight is (c_out, c_in / groups, kh, kw).
struct ConvGeometry {
  int64_t n = 0, c_in = 0, h = 0, w = 0;
  int64_t c_out = 0, kh = 0, kw = 0;
  int64_t stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0, dil_h = 1, dil_w = 1, groups = 1;
  // Output pixels per batch chunk (the column matrix's width); 0 picks it from a cache budget
  // (see conv_kernels.cpp). A tuning knob, also used by tests to force several chunks.
  int64_t chunk_columns = 0;
  ConvAlgo algo = ConvAlgo::automatic;
  int64_t out_h() const { return (h + 2 * pad_h - dil_h * (kh - 1) - 1) / stride_h + 1; }
  int64_t out_w() const { return (w + 2 * pad_w - dil_w * (kw - 1) - 1) / stride_w + 1; }
  // Rows of one group's column matrix: (c_in / groups) * kh * kw.
  int64_t group_k() const { return c_in / groups * kh * kw; }
  // 1x1, stride 1, no padding: the input planes already are the column matrix.
  bool pointwise() const {
    return kh == 1 && kw == 1 && stride_h == 1 && stride_w == 1 && pad_h == 0 && pad_w == 0;
  }
};

// y (N, C_out, OH, OW) = conv(x (N, C_in, H, W), w (C_out, C_in/g, kh, kw)) + bias (C_out).
// bias may be null. y is overwritten.
void conv2d_forward(float* y, const float* x, const float* w, const float* bias,
                    const ConvGeometry& g);

// Given dy (N, C_out, OH, OW), writes dx (N, C_in, H, W) (overwrites it: no zero fill
// needed) and adds into dw (same as w) and db (C_out); any of the three outputs may be null
// to skip it.
void conv2d_backward(float* dx, float* dw, float* db, const float* dy, const float* x,
                     const float* w, const ConvGeometry& g);


// Leading dimension for a scratch matrix `width` floats wide (see conv_kernels.cpp).
int64_t conv_padded_ld(int64_t width);

// Winograd F(2x2,3x3) applies: 3x3 kernel, stride 1, dilation 1, one group, equal padding
// on both axes.
bool winograd_eligible(const ConvGeometry& g);
// Whether automatic dispatch picks Winograd for g (eligible, 8+ input channels, output 4x4+).
bool winograd_preferred(const ConvGeometry& g);
// Same contracts as conv2d_forward / conv2d_backward, for winograd_eligible geometries.
void winograd_forward(float* y, const float* x, const float* w, const float* bias,
                      const ConvGeometry& g);
void winograd_backward(float* dx, float* dw, const float* dy, const float* x, const float* w,
                       const ConvGeometry& g);
// Whether automatic dispatch picks F(4x4,3x3) over F(2x2,3x3) for a winograd_preferred g.
bool winograd4_preferred(const ConvGeometry& g);
// F(4x4,3x3), same contracts, for winograd_eligible geometries.
void winograd4_forward(float* y, const float* x, const float* w, const float* bias,
                       const ConvGeometry& g);
void winograd4_backward(float* dx, float* dw, const float* dy, const float* x, const float* w,
                        const ConvGeometry& g);

// The direct kernel applies: 3x3 kernel, stride 1, dilation 1, one group, 1 to 4 input
// channels (any padding on either axis).
bool direct_eligible(const ConvGeometry& g);
// Whether automatic dispatch picks it (eligible, output 8+ columns wide).
bool direct_preferred(const ConvGeometry& g);
// Same contracts as conv2d_forward / conv2d_backward (no db), for direct_eligible geometries,
// except that direct_backward adds into dx (conv2d_backward zeroes it first).
void direct_forward(float* y, const float* x, const float* w, const float* bias, const ConvGeometry& g);
void direct_backward(float* dx, float* dw, const float* dy, const float* x, const float* w,
                     const ConvGeometry& g);

}  // namespace janus::detail
