// Matrix products: matmul (2-D, batched 3-D, and 3-D times a shared 2-D matrix) and linear
// (y = x w^T + b, PyTorch's weight layout). All products go through OpenBLAS cblas_sgemm;
// the raw kernels below take row-major pointers and sizes and know nothing of autograd.
#include <janus/core/autograd.h>
#include <janus/core/deterministic.h>
#include <janus/core/op.h>
#include <janus/core/ops/linalg.h>
#include <janus/core/parallel.h>

#include "serial_blas.h"

#include <cblas.h>

#include <optional>
#include <vector>

namespace janus {

namespace {

// c (m, n) = alpha * op(a) op(b) + beta * c, row-major; op(a) is (m, k), op(b) is (k, n).
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
          const float* b, float beta, float* c) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    for (int64_t i = 0; i < m * n; ++i) c[i] = beta == 0.0f ? 0.0f : beta * c[i];
    return;
  }
  const int64_t lda = trans_a ? m : k;
  const int64_t ldb = trans_b ? k : n;
  std::optional<detail::SerialBlas> serial;  // small products: no OpenBLAS workers (serial_blas.h)
  if (m * n * k < detail::kSerialGemmMacs)
    serial.emplace();
  else
    detail::park_workers();  // OpenBLAS' threads get the cores to themselves
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
              static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), alpha, a,
              static_cast<int>(lda), b, static_cast<int>(ldb), beta, c, static_cast<int>(n));
}

// ---- matmul ------------------------------------------------------------------------------
// Forms: (M, K) x (K, N) -> (M, N);  (B, M, K) x (B, K, N) -> (B, M, N);
//        (B, M, K) x (K, N) -> (B, M, N) (the right matrix shared by every batch item).

struct MatmulDims {
  int64_t batch = 1, m = 0, k = 0, n = 0;
  bool shared_b = false;  // b is 2-D and used by every batch item of a 3-D a
};

MatmulDims matmul_dims(const Tensor& a, const Tensor& b) {
  JANUS_CHECK((a.dim() == 2 || a.dim() == 3) && (b.dim() == 2 || b.dim() == 3),
              "matmul: expected 2-D or 3-D operands (got a {} and b {})", shape_str(a.shape()),
              shape_str(b.shape()));
  JANUS_CHECK(!(a.dim() == 2 && b.dim() == 3),
              "matmul: a 2-D left operand needs a 2-D right operand (got a {} and b {})",
              shape_str(a.shape()), shape_str(b.shape()));
  MatmulDims d;
  d.m = a.size(-2);
  d.k = a.size(-1);
  d.n = b.size(-1);
  JANUS_CHECK(b.size(-2) == d.k, "matmul: a has {} columns but b has {} rows (a {}, b {})", d.k,
              b.size(-2), shape_str(a.shape()), shape_str(b.shape()));
  if (a.dim() == 3) {
    d.batch = a.size(0);
    d.shared_b = b.dim() == 2;
    JANUS_CHECK(d.shared_b || b.size(0) == d.batch,
                "matmul: batch sizes differ (a {}, b {})", shape_str(a.shape()), shape_str(b.shape()));
  }
  return d;
}

Tensor matmul_forward(const std::vector<Tensor>& in, const Attrs&, const RunContext&) {
  JANUS_CHECK(in.size() == 2 && in[0].defined() && in[1].defined(), "matmul: expected two defined inputs");
  const Tensor& a = in[0];
  const Tensor& b = in[1];
  const MatmulDims d = matmul_dims(a, b);
  Shape out_shape = a.dim() == 3 ? Shape{d.batch, d.m, d.n} : Shape{d.m, d.n};
  Tensor out = empty(out_shape);  // (B, M, N) or (M, N)
  if (d.shared_b) {
    // One GEMM over the merged (B*M, K) rows.
    gemm(false, false, d.batch * d.m, d.n, d.k, 1.0f, a.data(), b.data(), 0.0f, out.data());
  } else {
    for (int64_t i = 0; i < d.batch; ++i)
      gemm(false, false, d.m, d.n, d.k, 1.0f, a.data() + i * d.m * d.k, b.data() + i * d.k * d.n, 0.0f,
           out.data() + i * d.m * d.n);
  }
  const Tensor ad = a.detach(), bd = b.detach();
  record(out, "matmul", in, [ad, bd, d](const Tensor& g, const std::vector<bool>& needs) {
    // C = A B:  dA = dC B^T (M, K),  dB = A^T dC (K, N); a shared B sums over the batch.
    Tensor ga, gb;
    if (needs[0]) {
      ga = empty(ad.shape());
      if (d.shared_b) {
        gemm(false, true, d.batch * d.m, d.k, d.n, 1.0f, g.data(), bd.data(), 0.0f, ga.data());
      } else {
        for (int64_t i = 0; i < d.batch; ++i)
          gemm(false, true, d.m, d.k, d.n, 1.0f, g.data() + i * d.m * d.n, bd.data() + i * d.k * d.n, 0.0f,
               ga.data() + i * d.m * d.k);
      }
    }
    if (needs[1]) {
      gb = empty(bd.shape());
      if (d.shared_b) {
        gemm(true, false, d.k, d.n, d.batch * d.m, 1.0f, ad.data(), g.data(), 0.0f, gb.data());
      } else {
        for (int64_t i = 0; i < d.batch; ++i)
          gemm(true, false, d.k, d.n, d.m, 1.0f, ad.data() + i * d.m * d.k, g.data() + i * d.m * d.n, 0.0f,
               gb.data() + i * d.k * d.n);
      }
    }
    return std::vector<Tensor>{ga, gb};
  });
  return out;
}
JANUS_REGISTER_OP(matmul, {"matmul", matmul_forward});

// ---- linear ------------------------------------------------------------------------------
// x (..., in) with the leading axes merged into N rows, weight (out, in), bias (out).
// Deterministic mode (core/deterministic.h): plain loops per row, so a row's output and its
// gradient terms have the same bits whatever the batch; dW and db are tree sums over rows.

void linear_rows_deterministic(float* y, const float* x, const float* w, const float* b, int64_t rows,
                               int64_t outs, int64_t ins) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < outs; ++j) {
      float s = 0.0f;
      const float *px = x + r * ins, *pw = w + j * ins;
      for (int64_t i = 0; i < ins; ++i) s += px[i] * pw[i];
      y[r * outs + j] = b ? s + b[j] : s;
    }
}

void linear_backward_deterministic(float* gx, float* gw, float* gb, const float* g, const float* x, const float* w,
                                   int64_t rows, int64_t outs, int64_t ins) {
  if (gx)
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t i = 0; i < ins; ++i) {
        float s = 0.0f;
        for (int64_t j = 0; j < outs; ++j) s += g[r * outs + j] * w[j * ins + i];
        gx[r * ins + i] = s;
      }
  if (gw) {
    std::vector<float> parts(static_cast<size_t>(rows * outs * ins));
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < outs; ++j)
        for (int64_t i = 0; i < ins; ++i) parts[(r * outs + j) * ins + i] = g[r * outs + j] * x[r * ins + i];
    tree_sum(parts.data(), rows, outs * ins, outs * ins, 1, gw);
  }
  if (gb) tree_sum(g, rows, outs, outs, 1, gb);
}

Tensor linear_forward(const std::vector<Tensor>& in, const Attrs&, const RunContext&) {
  JANUS_CHECK(in.size() == 3 && in[0].defined() && in[1].defined(),
              "linear: expected inputs (x, weight, bias) with x and weight defined");
  const Tensor& x = in[0];
  const Tensor& w = in[1];
  const Tensor& bias = in[2];
  JANUS_CHECK(w.dim() == 2, "linear: expected a 2-D weight (out, in) (got {})", shape_str(w.shape()));
  JANUS_CHECK(x.dim() >= 1, "linear: expected an input of shape (N, in) (got a 0-D tensor)");
  const int64_t features = x.size(-1), outs = w.size(0), ins = w.size(1);
  JANUS_CHECK(features == ins, "linear: input has {} features but weight expects {} (input {}, weight {})",
              features, ins, shape_str(x.shape()), shape_str(w.shape()));
  if (bias.defined())
    JANUS_CHECK(bias.dim() == 1 && bias.size(0) == outs,
                "linear: expected bias of shape [{}] for weight {} (got bias {})", outs,
                shape_str(w.shape()), shape_str(bias.shape()));
  const int64_t rows = ins == 0 ? x.numel() : x.numel() / ins;
  Shape out_shape = x.shape();
  out_shape.back() = outs;
  Tensor out = empty(out_shape);  // (N, out)
  float* po = out.data();
  float beta = 0.0f;
  if (bias.defined()) {
    const float* pb = bias.data();
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < outs; ++j) po[r * outs + j] = pb[j];
    beta = 1.0f;
  }
  if (deterministic()) linear_rows_deterministic(po, x.data(), w.data(), bias.defined() ? bias.data() : nullptr, rows, outs, ins);
  else gemm(false, true, rows, outs, ins, 1.0f, x.data(), w.data(), beta, po);

  const Tensor xd = x.detach(), wd = w.detach();
  record(out, "linear", in, [xd, wd, rows, outs, ins](const Tensor& g, const std::vector<bool>& needs) {
    // y = x W^T + b:  dx = dy W (N, in),  dW = dy^T x (out, in),  db = sum_rows dy (out).
    Tensor gx, gw, gb;
    if (deterministic()) {
      if (needs[0]) gx = empty(xd.shape());
      if (needs[1]) gw = empty(wd.shape());
      if (needs.size() > 2 && needs[2]) gb = empty({outs});
      linear_backward_deterministic(gx.defined() ? gx.data() : nullptr, gw.defined() ? gw.data() : nullptr,
                                    gb.defined() ? gb.data() : nullptr, g.data(), xd.data(), wd.data(), rows, outs,
                                    ins);
      return std::vector<Tensor>{gx, gw, gb};
    }
    if (needs[0]) {
      gx = empty(xd.shape());
      gemm(false, false, rows, ins, outs, 1.0f, g.data(), wd.data(), 0.0f, gx.data());
    }
    if (needs[1]) {
      gw = empty(wd.shape());
      gemm(true, false, outs, ins, rows, 1.0f, g.data(), xd.data(), 0.0f, gw.data());
    }
    if (needs.size() > 2 && needs[2]) {
      gb = empty({outs});
      std::vector<double> acc(outs, 0.0);
      const float* pg = g.data();
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t j = 0; j < outs; ++j) acc[j] += pg[r * outs + j];
      for (int64_t j = 0; j < outs; ++j) gb.data()[j] = static_cast<float>(acc[j]);
    }
    return std::vector<Tensor>{gx, gw, gb};
  });
  return out;
}
JANUS_REGISTER_OP(linear, {"linear", linear_forward});

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) { return call_op("matmul", {a, b}); }

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  return call_op("linear", {x, weight, bias});
}

}  // namespace janus
