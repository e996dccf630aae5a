// Pooling ops on NCHW input: "max_pool2d", "avg_pool2d" (attrs kernel, stride, padding, each
// an int or [h, w] [, count_include_pad] [, ceil_mode]) and "adaptive_avg_pool2d" (attrs out_h,
// out_w). Each (n, c) plane is independent, so forward and backward run one plane per
// parallel_for item. Windows are clipped to the input; in ceil mode the last one may also
// hang over the right padding.
#include <janus/core/autograd.h>
#include <janus/core/op.h>
#include <janus/core/ops/pool.h>
#include <janus/core/parallel.h>

#include <cmath>
#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>

namespace janus {

namespace {

struct PoolGeometry {
  int64_t planes, h, w, kh, kw, sh, sw, ph, pw, oh, ow;
  bool ceil_mode;
};

PoolGeometry check_pool(const Tensor& x, const Attrs& attrs, const char* what) {
  JANUS_CHECK(x.defined(), "{}: expected a defined input", what);
  JANUS_CHECK(x.dim() == 4, "{}: expected 4-D input (N, C, H, W) (got {}-D input {})", what, x.dim(),
              shape_str(x.shape()));
  PoolGeometry g{};
  g.planes = x.size(0) * x.size(1), g.h = x.size(2), g.w = x.size(3);
  const Size2 k = attrs.get_size2("kernel", 0);
  Size2 s = attrs.get_size2("stride", 0);
  if (s.h == 0) s.h = k.h;
  if (s.w == 0) s.w = k.w;
  const Size2 p = attrs.get_size2("padding", 0);
  g.kh = k.h, g.kw = k.w, g.sh = s.h, g.sw = s.w, g.ph = p.h, g.pw = p.w;
  g.ceil_mode = attrs.get_bool("ceil_mode", false);
  JANUS_CHECK(std::min(g.kh, g.kw) >= 1 && std::min(g.sh, g.sw) >= 1 && std::min(g.ph, g.pw) >= 0,
              "{}: expected kernel >= 1, stride >= 1, padding >= 0 (got kernel={}, stride={}, padding={})",
              what, k.tuple_str(), s.tuple_str(), p.tuple_str());
  JANUS_CHECK(2 * g.ph <= g.kh && 2 * g.pw <= g.kw,
              "{}: padding should be at most half the kernel size (got padding={}, kernel={})", what, p.str(),
              k.str());
  JANUS_CHECK(g.h + 2 * g.ph >= g.kh && g.w + 2 * g.pw >= g.kw,
              "{}: input {} with padding {} is smaller than the kernel {}x{}: output size would be empty",
              what, shape_str(x.shape()), p.str(), g.kh, g.kw);
  g.oh = pool_output_size(g.h, g.kh, g.sh, g.ph, g.ceil_mode);
  g.ow = pool_output_size(g.w, g.kw, g.sw, g.pw, g.ceil_mode);
  return g;
}

// Rows [*lo, *hi) of window `o` along an axis of length n, clipped to the input.
inline void window(int64_t o, int64_t stride, int64_t pad, int64_t k, int64_t n, int64_t* lo, int64_t* hi) {
  *lo = std::max<int64_t>(o * stride - pad, 0);
  *hi = std::min<int64_t>(o * stride - pad + k, n);
}

// ---- max pooling -------------------------------------------------------------------------
// Padding acts as -inf. Each output remembers the flat in-plane index of its first maximum
// (row-major scan, so ties go to the first element, as in PyTorch; NaN wins and propagates).
// Backward routes dy to that index: dx[argmax] += dy.

// Scan step of the window: take v over the best so far when v > best, or when v is NaN and
// best is not (best stays the first NaN). Written with masks, not branches: on real data the
// comparison is a coin toss, and mispredicted branches made this op ~20% of a training step.
inline void max_step(float v, int32_t i, float& best, int32_t& best_i) {
  const uint32_t m = 0u - static_cast<uint32_t>(!(v <= best) & (best == best));
  uint32_t vb, bb;
  std::memcpy(&vb, &v, 4);
  std::memcpy(&bb, &best, 4);
  bb = (vb & m) | (bb & ~m);
  std::memcpy(&best, &bb, 4);
  best_i = static_cast<int32_t>((static_cast<uint32_t>(i) & m) | (static_cast<uint32_t>(best_i) & ~m));
}

// Eight windows at once (GCC/Clang vector extension), same rule as max_step.
typedef float V8 __attribute__((vector_size(32)));
typedef int32_t V8i __attribute__((vector_size(32)));
inline void max_step8(V8 v, V8i i, V8& best, V8i& best_i) {
  const V8i m = ~(v <= best) & (best == best);
  best = reinterpret_cast<V8>((reinterpret_cast<V8i>(v) & m) | (reinterpret_cast<V8i>(best) & ~m));
  best_i = (i & m) | (best_i & ~m);
}

// One output row of 2x2 stride-2 pooling from input rows r0, r1 (flat in-plane index of r0[0]
// is base, row length w): 8 outputs per step from 16 contiguous inputs of each row.
void max_pool_row_k2s2(const float* r0, const float* r1, int32_t base, int32_t w, int64_t ow, float* y,
                       int32_t* idx) {
  int64_t o = 0;
  const V8i even = {0, 2, 4, 6, 8, 10, 12, 14}, odd = even + 1;
#if defined(__clang__)  // the fuzz build (tests/fuzz) compiles core with clang: GCC's shuffle, spelled for clang
  auto evens = [](V8 a, V8 b) { return __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14); };
  auto odds = [](V8 a, V8 b) { return __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15); };
  (void)odd;
#else
  auto evens = [&](V8 a, V8 b) { return __builtin_shuffle(a, b, even); };
  auto odds = [&](V8 a, V8 b) { return __builtin_shuffle(a, b, odd); };
#endif
  for (; o + 8 <= ow; o += 8) {
    V8 a0, a1, b0, b1;
    std::memcpy(&a0, r0 + 2 * o, 32);
    std::memcpy(&a1, r0 + 2 * o + 8, 32);
    std::memcpy(&b0, r1 + 2 * o, 32);
    std::memcpy(&b1, r1 + 2 * o + 8, 32);
    const V8i c = base + static_cast<int32_t>(2 * o) + even;  // index of each window's first element
    V8 best = evens(a0, a1);
    V8i best_i = c;
    max_step8(odds(a0, a1), c + 1, best, best_i);
    max_step8(evens(b0, b1), c + w, best, best_i);
    max_step8(odds(b0, b1), c + w + 1, best, best_i);
    std::memcpy(y + o, &best, 32);
    if (idx) std::memcpy(idx + o, &best_i, 32);
  }
  for (; o < ow; ++o) {
    const int32_t c = base + static_cast<int32_t>(2 * o);
    const int64_t k = 2 * o;
    float best = r0[k];
    int32_t best_i = c;
    max_step(r0[k + 1], c + 1, best, best_i);
    max_step(r1[k], c + w, best, best_i);
    max_step(r1[k + 1], c + w + 1, best, best_i);
    y[o] = best;
    if (idx) idx[o] = best_i;
  }
}

Tensor max_pool2d_forward(const std::vector<Tensor>& in, const Attrs& attrs, const RunContext&) {
  JANUS_CHECK(in.size() == 1, "max_pool2d: expected one input (got {})", in.size());
  const Tensor& x = in[0];
  const PoolGeometry g = check_pool(x, attrs, "max_pool2d");
  Tensor y = empty({x.size(0), x.size(1), g.oh, g.ow});
  // (N, C, OH, OW) int32 argmax, only when backward will need it; kept in a tensor's
  // storage so it comes from the caching allocator (no page faults every step).
  const bool keep_index = any_requires_grad(in);
  Tensor index_buf = keep_index ? empty({y.numel()}) : Tensor();
  const float* px = x.data();
  float* py = y.data();
  int32_t* pi = keep_index ? reinterpret_cast<int32_t*>(index_buf.data()) : nullptr;
  // (In ceil mode a last window may be partial: the fast path needs whole ones.)
  const bool k2s2 = g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.ph == 0 && g.pw == 0 &&
                    2 * g.oh <= g.h && 2 * g.ow <= g.w;
  parallel_for(0, g.planes, 1, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const float* src = px + p * g.h * g.w;
      for (int64_t oh = 0; oh < g.oh; ++oh) {
        const int64_t o_row = (p * g.oh + oh) * g.ow;
        if (k2s2) {
          // The benchmark CNN's pooling: both window rows are whole, no bounds to clip.
          const float* r0 = src + 2 * oh * g.w;
          max_pool_row_k2s2(r0, r0 + g.w, static_cast<int32_t>(2 * oh * g.w), static_cast<int32_t>(g.w), g.ow,
                            py + o_row, pi ? pi + o_row : nullptr);
          continue;
        }
        int64_t h0, h1;
        window(oh, g.sh, g.ph, g.kh, g.h, &h0, &h1);
        for (int64_t ow = 0; ow < g.ow; ++ow) {
          int64_t w0, w1;
          window(ow, g.sw, g.pw, g.kw, g.w, &w0, &w1);
          float best = -std::numeric_limits<float>::infinity();
          int32_t best_i = static_cast<int32_t>(h0 * g.w + w0);
          for (int64_t ih = h0; ih < h1; ++ih)
            for (int64_t iw = w0; iw < w1; ++iw)
              max_step(src[ih * g.w + iw], static_cast<int32_t>(ih * g.w + iw), best, best_i);
          py[o_row + ow] = best;
          if (pi) pi[o_row + ow] = best_i;
        }
      }
    }
  });
  const Shape x_shape = x.shape();
  record(y, "max_pool2d", in, [index_buf, g, x_shape](const Tensor& dy, const std::vector<bool>& needs) {
    const float* pdy = dy.data();
    const int32_t* idx = reinterpret_cast<const int32_t*>(index_buf.data());
    const int64_t per_plane = g.oh * g.ow;
    if (g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.ph == 0 && g.pw == 0 && g.h == 2 * g.oh &&
        g.w == 2 * g.ow) {
      // The windows tile the plane: write every dx element once (dy at the argmax, else 0)
      // instead of zero-filling dx and scattering. 0 + dy keeps the scatter's bits (-0 -> +0).
      Tensor dx = empty(x_shape);
      float* pdx = dx.data();
      parallel_for(0, g.planes, 1, [&](int64_t p0, int64_t p1) {
        for (int64_t p = p0; p < p1; ++p) {
          float* plane = pdx + p * g.h * g.w;
          for (int64_t oh = 0; oh < g.oh; ++oh) {
            float* r0 = plane + 2 * oh * g.w;
            float* r1 = r0 + g.w;
            const int32_t base = static_cast<int32_t>(2 * oh * g.w), w = static_cast<int32_t>(g.w);
            const int64_t o_row = p * per_plane + oh * g.ow;
            for (int64_t ow = 0; ow < g.ow; ++ow) {
              const float d = 0.0f + pdy[o_row + ow];
              const int32_t c = base + static_cast<int32_t>(2 * ow), at = idx[o_row + ow];
              r0[2 * ow] = at == c ? d : 0.0f;
              r0[2 * ow + 1] = at == c + 1 ? d : 0.0f;
              r1[2 * ow] = at == c + w ? d : 0.0f;
              r1[2 * ow + 1] = at == c + w + 1 ? d : 0.0f;
            }
          }
        }
      });
      return std::vector<Tensor>{dx};
    }
    Tensor dx = zeros(x_shape);
    float* pdx = dx.data();
    parallel_for(0, g.planes, 1, [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p)
        for (int64_t o = p * per_plane; o < (p + 1) * per_plane; ++o)
          pdx[p * g.h * g.w + idx[o]] += pdy[o];
    });
    return std::vector<Tensor>{dx};
  });
  return y;
}
JANUS_REGISTER_OP(max_pool2d, {"max_pool2d", max_pool2d_forward});

// ---- average pooling ---------------------------------------------------------------------
// y = (sum of the window's in-bounds values) / d, where d with count_include_pad counts the
// window's cells inside input + padding (kh*kw except for a ceil-mode window hanging past the
// right padding), and without it only the in-bounds values (torch's divisor).
// Backward: every in-bounds x of the window gets dy / d.

Tensor avg_pool2d_forward(const std::vector<Tensor>& in, const Attrs& attrs, const RunContext&) {
  JANUS_CHECK(in.size() == 1, "avg_pool2d: expected one input (got {})", in.size());
  const Tensor& x = in[0];
  const PoolGeometry g = check_pool(x, attrs, "avg_pool2d");
  const bool include_pad = attrs.get_bool("count_include_pad", true);
  // Visits each window: fn(plane, out_index, h0, h1, w0, w1, divisor).
  auto for_windows = [g, include_pad](int64_t p, auto&& fn) {
    for (int64_t oh = 0; oh < g.oh; ++oh) {
      int64_t h0, h1;
      window(oh, g.sh, g.ph, g.kh, g.h, &h0, &h1);
      // Window extent inside input + padding, for the count_include_pad divisor.
      const int64_t ph_cells = std::min(oh * g.sh - g.ph + g.kh, g.h + g.ph) - (oh * g.sh - g.ph);
      for (int64_t ow = 0; ow < g.ow; ++ow) {
        int64_t w0, w1;
        window(ow, g.sw, g.pw, g.kw, g.w, &w0, &w1);
        const int64_t pw_cells = std::min(ow * g.sw - g.pw + g.kw, g.w + g.pw) - (ow * g.sw - g.pw);
        const float d = include_pad ? static_cast<float>(ph_cells * pw_cells) : static_cast<float>((h1 - h0) * (w1 - w0));
        fn((p * g.oh + oh) * g.ow + ow, h0, h1, w0, w1, d);
      }
    }
  };
  Tensor y = empty({x.size(0), x.size(1), g.oh, g.ow});
  const float* px = x.data();
  float* py = y.data();
  parallel_for(0, g.planes, 1, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const float* src = px + p * g.h * g.w;
      for_windows(p, [&](int64_t o, int64_t h0, int64_t h1, int64_t w0, int64_t w1, float d) {
        float s = 0.0f;
        for (int64_t ih = h0; ih < h1; ++ih)
          for (int64_t iw = w0; iw < w1; ++iw) s += src[ih * g.w + iw];
        py[o] = s / d;
      });
    }
  });
  const Shape x_shape = x.shape();
  record(y, "avg_pool2d", in, [g, x_shape, for_windows](const Tensor& dy, const std::vector<bool>&) {
    Tensor dx = zeros(x_shape);
    const float* pdy = dy.data();
    float* pdx = dx.data();
    parallel_for(0, g.planes, 1, [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p) {
        float* dst = pdx + p * g.h * g.w;
        for_windows(p, [&](int64_t o, int64_t h0, int64_t h1, int64_t w0, int64_t w1, float d) {
          const float v = pdy[o] / d;
          for (int64_t ih = h0; ih < h1; ++ih)
            for (int64_t iw = w0; iw < w1; ++iw) dst[ih * g.w + iw] += v;
        });
      }
    });
    return std::vector<Tensor>{dx};
  });
  return y;
}
JANUS_REGISTER_OP(avg_pool2d, {"avg_pool2d", avg_pool2d_forward});

// ---- adaptive average pooling ------------------------------------------------------------
// Output bin i along an axis of size H covers [floor(i*H/out), ceil((i+1)*H/out)): bins may
// overlap by one when out does not divide H. Backward spreads dy / (bin size) over the bin.

Tensor adaptive_avg_pool2d_forward(const std::vector<Tensor>& in, const Attrs& attrs, const RunContext&) {
  JANUS_CHECK(in.size() == 1 && in[0].defined(), "adaptive_avg_pool2d: expected one defined input");
  const Tensor& x = in[0];
  JANUS_CHECK(x.dim() == 4, "adaptive_avg_pool2d: expected 4-D input (N, C, H, W) (got {}-D input {})",
              x.dim(), shape_str(x.shape()));
  const int64_t oh = attrs.get_int("out_h"), ow = attrs.get_int("out_w");
  const int64_t h = x.size(2), w = x.size(3), planes = x.size(0) * x.size(1);
  JANUS_CHECK(oh >= 1 && ow >= 1, "adaptive_avg_pool2d: expected output size >= 1 (got {}x{})", oh, ow);
  JANUS_CHECK(h >= 1 && w >= 1, "adaptive_avg_pool2d: expected non-empty planes (got input {})",
              shape_str(x.shape()));
  auto for_bins = [=](int64_t p, auto&& fn) {
    for (int64_t i = 0; i < oh; ++i) {
      const int64_t h0 = i * h / oh, h1 = ((i + 1) * h + oh - 1) / oh;
      for (int64_t j = 0; j < ow; ++j) {
        const int64_t w0 = j * w / ow, w1 = ((j + 1) * w + ow - 1) / ow;
        fn((p * oh + i) * ow + j, h0, h1, w0, w1, static_cast<float>((h1 - h0) * (w1 - w0)));
      }
    }
  };
  Tensor y = empty({x.size(0), x.size(1), oh, ow});
  const float* px = x.data();
  float* py = y.data();
  parallel_for(0, planes, 1, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const float* src = px + p * h * w;
      for_bins(p, [&](int64_t o, int64_t h0, int64_t h1, int64_t w0, int64_t w1, float d) {
        float s = 0.0f;
        for (int64_t ih = h0; ih < h1; ++ih)
          for (int64_t iw = w0; iw < w1; ++iw) s += src[ih * w + iw];
        py[o] = s / d;
      });
    }
  });
  const Shape x_shape = x.shape();
  record(y, "adaptive_avg_pool2d", in, [=](const Tensor& dy, const std::vector<bool>&) {
    Tensor dx = zeros(x_shape);
    const float* pdy = dy.data();
    float* pdx = dx.data();
    parallel_for(0, planes, 1, [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p) {
        float* dst = pdx + p * h * w;
        for_bins(p, [&](int64_t o, int64_t h0, int64_t h1, int64_t w0, int64_t w1, float d) {
          const float v = pdy[o] / d;
          for (int64_t ih = h0; ih < h1; ++ih)
            for (int64_t iw = w0; iw < w1; ++iw) dst[ih * w + iw] += v;
        });
      }
    });
    return std::vector<Tensor>{dx};
  });
  return y;
}
JANUS_REGISTER_OP(adaptive_avg_pool2d, {"adaptive_avg_pool2d", adaptive_avg_pool2d_forward});

Attrs pool_attrs(const Pool2dOptions& o) {
  Attrs a;
  a.set_size2("kernel", o.kernel_size_).set_size2("stride", o.effective_stride()).set_size2("padding", o.padding_);
  if (o.ceil_mode_) a.set("ceil_mode", true);  // absent when false, so older dumps read the same
  return a;
}

}  // namespace

int64_t pool_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t padding, bool ceil_mode) {
  const int64_t span = in + 2 * padding - kernel;  // >= 0, checked by callers
  int64_t out = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
  if (ceil_mode && (out - 1) * stride >= in + padding) --out;
  return out;
}

Tensor max_pool2d(const Tensor& x, const Pool2dOptions& options) {
  return call_op("max_pool2d", {x}, pool_attrs(options));
}

Tensor avg_pool2d(const Tensor& x, const Pool2dOptions& options) {
  return call_op("avg_pool2d", {x}, pool_attrs(options).set("count_include_pad", options.count_include_pad_));
}

Tensor adaptive_avg_pool2d(const Tensor& x, int64_t out_h, int64_t out_w) {
  return call_op("adaptive_avg_pool2d", {x}, Attrs().set("out_h", out_h).set("out_w", out_w));
}

Tensor global_avg_pool2d(const Tensor& x) { return adaptive_avg_pool2d(x, 1, 1); }

}  // namespace janus
