// Reductions over chosen axes: sum, mean, var. Accumulation is in double, and variance is
// two-pass (mean first, then squared deviations), so large means do not cancel digits.
// max / argmax along one axis, and the Tensor members sum / mean / max / argmax.
#include <janus/core/autograd.h>
#include <janus/core/op.h>
#include <janus/core/ops/reduce.h>

#include <algorithm>

namespace janus {

namespace {

struct Reduction {
  Shape keep_shape;  // input shape with reduced axes set to 1
  Shape out_shape;   // keep_shape without those axes unless keepdim
  int64_t count = 1; // m: number of values each output element reduces
};

Reduction plan(const Shape& in, const std::vector<int64_t>& axes, bool keepdim, const char* what) {
  const int64_t rank = static_cast<int64_t>(in.size());
  std::vector<bool> reduced(rank, axes.empty());
  for (int64_t a : axes) {
    const int64_t ax = normalize_axis(a, rank, what);
    JANUS_CHECK(!reduced[ax] || axes.empty(), "{}: axis {} is listed twice", what, a);
    reduced[ax] = true;
  }
  Reduction r;
  for (int64_t i = 0; i < rank; ++i) {
    r.keep_shape.push_back(reduced[i] ? 1 : in[i]);
    if (reduced[i]) r.count *= in[i];
    if (!reduced[i] || keepdim) r.out_shape.push_back(reduced[i] ? 1 : in[i]);
  }
  return r;
}

// Visits every element of a tensor of shape `in` with the flat offset of its element in
// `keep` (a same-rank shape with 1 where axes are reduced): fn(in_offset, keep_offset).
template <typename F>
void for_each_pair(const Shape& in, const Shape& keep, F fn) {
  const size_t rank = in.size();
  if (rank == 0) {
    fn(0, 0);
    return;
  }
  std::vector<int64_t> ks = contiguous_strides(keep);
  for (size_t i = 0; i < rank; ++i)
    if (keep[i] == 1) ks[i] = 0;
  std::vector<int64_t> idx(rank, 0);
  const int64_t inner = in[rank - 1], inner_stride = ks[rank - 1];
  const int64_t rows = numel_of(in) / std::max<int64_t>(inner, 1);
  for (int64_t r = 0; r < rows; ++r) {
    int64_t base = 0;
    for (size_t d = 0; d + 1 < rank; ++d) base += idx[d] * ks[d];
    for (int64_t j = 0; j < inner; ++j) fn(r * inner + j, base + j * inner_stride);
    for (int64_t d = static_cast<int64_t>(rank) - 2; d >= 0; --d) {
      if (++idx[d] < in[d]) break;
      idx[d] = 0;
    }
  }
}

// Sums x into keep_shape (in double), optionally after subtracting a keep-shaped center
// and squaring.
std::vector<double> reduce_sum(const Tensor& x, const Shape& keep, const float* center, bool square) {
  std::vector<double> acc(numel_of(keep), 0.0);
  const float* px = x.data();
  for_each_pair(x.shape(), keep, [&](int64_t i, int64_t k) {
    double v = px[i];
    if (center) v -= center[k];
    acc[k] += square ? v * v : v;
  });
  return acc;
}

// out[i] = scale * g[keep index of i] (+ the var term), the shape of x: backward of a reduction.
Tensor expand_grad(const Tensor& g_keep, const Shape& x_shape, const Shape& keep, float scale) {
  Tensor out = empty(x_shape);
  float* po = out.data();
  const float* pg = g_keep.data();
  for_each_pair(x_shape, keep, [&](int64_t i, int64_t k) { po[i] = scale * pg[k]; });
  return out;
}

Tensor to_tensor(const std::vector<double>& acc, const Shape& shape, double scale) {
  Tensor out = empty(shape);
  for (size_t i = 0; i < acc.size(); ++i) out.data()[i] = static_cast<float>(acc[i] * scale);
  return out;
}

Tensor sum_or_mean(const std::vector<Tensor>& in, const Attrs& attrs, bool is_mean) {
  const char* kind = is_mean ? "mean" : "sum";
  const Tensor& x = in.at(0);
  const Reduction r = plan(x.shape(), attrs.get_ints("axes"), attrs.get_bool("keepdim"), kind);
  JANUS_CHECK(!is_mean || r.count > 0, "mean: reducing over an empty axis of input {}", shape_str(x.shape()));
  const double scale = is_mean ? 1.0 / static_cast<double>(r.count) : 1.0;
  Tensor out = to_tensor(reduce_sum(x, r.keep_shape, nullptr, false), r.out_shape, scale);
  const Shape xs = x.shape();
  record(out, kind, in, [r, xs, scale](const Tensor& g, const std::vector<bool>&) {
    return std::vector<Tensor>{expand_grad(g, xs, r.keep_shape, static_cast<float>(scale))};
  });
  return out;
}

Tensor sum_forward(const std::vector<Tensor>& in, const Attrs& attrs, const RunContext&) {
  return sum_or_mean(in, attrs, false);
}
JANUS_REGISTER_OP(sum, {"sum", sum_forward});

Tensor mean_forward(const std::vector<Tensor>& in, const Attrs& attrs, const RunContext&) {
  return sum_or_mean(in, attrs, true);
}
JANUS_REGISTER_OP(mean, {"mean", mean_forward});

// var = sum((x - mean)^2) / (m - ddof), ddof = 1 when unbiased.
// Backward: d var / d x_i = 2 (x_i - mean) / (m - ddof); the mean's own dependence on x_i
// drops out because sum(x - mean) = 0.
Tensor var_forward(const std::vector<Tensor>& in, const Attrs& attrs, const RunContext&) {
  const Tensor& x = in.at(0);
  const bool unbiased = attrs.get_bool("unbiased");
  const Reduction r = plan(x.shape(), attrs.get_ints("axes"), attrs.get_bool("keepdim"), "var");
  const int64_t denom = r.count - (unbiased ? 1 : 0);
  JANUS_CHECK(denom > 0, "var: {} variance over {} value(s) is undefined (input {})",
              unbiased ? "unbiased" : "biased", r.count, shape_str(x.shape()));
  Tensor mu = to_tensor(reduce_sum(x, r.keep_shape, nullptr, false), r.keep_shape, 1.0 / r.count);
  Tensor out = to_tensor(reduce_sum(x, r.keep_shape, mu.data(), true), r.out_shape, 1.0 / denom);
  const Tensor xd = x.detach();
  record(out, "var", in, [r, xd, mu, denom](const Tensor& g, const std::vector<bool>&) {
    Tensor gx = empty(xd.shape());
    float* po = gx.data();
    const float *px = xd.data(), *pm = mu.data(), *pg = g.data();
    const float scale = 2.0f / static_cast<float>(denom);
    for_each_pair(xd.shape(), r.keep_shape, [&](int64_t i, int64_t k) { po[i] = scale * (px[i] - pm[k]) * pg[k]; });
    return std::vector<Tensor>{gx};
  });
  return out;
}
JANUS_REGISTER_OP(var, {"var", var_forward});

// Along `axis` of x viewed as (outer, n, inner): index of the first maximum of each line.
// A value wins when it is greater than the best so far, or NaN while the best is not (so the
// first NaN is the maximum, as in torch).
std::vector<int64_t> argmax_lines(const Tensor& x, int64_t axis, int64_t* outer_out, int64_t* inner_out) {
  const Shape& xs = x.shape();
  const int64_t n = xs[axis];
  const int64_t outer = numel_of(Shape(xs.begin(), xs.begin() + axis));
  const int64_t inner = numel_of(Shape(xs.begin() + axis + 1, xs.end()));
  std::vector<int64_t> idx(outer * inner, 0);
  const float* px = x.data();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      const float* line = px + o * n * inner + i;
      float best = line[0];
      int64_t best_k = 0;
      for (int64_t k = 1; k < n; ++k) {
        const float v = line[k * inner];
        if (!(v <= best) && best == best) best = v, best_k = k;
      }
      idx[o * inner + i] = best_k;
    }
  *outer_out = outer;
  *inner_out = inner;
  return idx;
}

Shape reduced_shape(const Shape& xs, int64_t axis, bool keepdim) {
  Shape out = xs;
  if (keepdim)
    out[axis] = 1;
  else
    out.erase(out.begin() + axis);
  return out;
}

int64_t checked_axis(const Tensor& x, const Attrs& attrs, const char* what) {
  JANUS_CHECK(x.dim() > 0, "{}: expected a tensor with at least one axis (got a 0-d tensor)", what);
  const int64_t axis = normalize_axis(attrs.get_int("axis"), x.dim(), what);
  JANUS_CHECK(x.shape()[axis] > 0, "{}: cannot reduce the empty axis {} of input {}", what, axis,
              shape_str(x.shape()));
  return axis;
}

// max along an axis: y = x at the first argmax. Backward: dx[argmax] += dy, 0 elsewhere.
Tensor max_forward(const std::vector<Tensor>& in, const Attrs& attrs, const RunContext&) {
  const Tensor& x = in.at(0);
  const int64_t axis = checked_axis(x, attrs, "max");
  int64_t outer, inner;
  const std::vector<int64_t> idx = argmax_lines(x, axis, &outer, &inner);
  const int64_t n = x.shape()[axis];
  Tensor out = empty(reduced_shape(x.shape(), axis, attrs.get_bool("keepdim")));
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i)
      out.data()[o * inner + i] = x.data()[(o * n + idx[o * inner + i]) * inner + i];
  const Shape xs = x.shape();
  record(out, "max", in, [xs, idx, outer, inner, n](const Tensor& g, const std::vector<bool>&) {
    Tensor dx = zeros(xs);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) dx.data()[(o * n + idx[o * inner + i]) * inner + i] += g.data()[o * inner + i];
    return std::vector<Tensor>{dx};
  });
  return out;
}
JANUS_REGISTER_OP(max, {"max", max_forward});

// argmax along an axis, as float-valued indices; not differentiable (records nothing).
Tensor argmax_forward(const std::vector<Tensor>& in, const Attrs& attrs, const RunContext&) {
  const Tensor& x = in.at(0);
  const int64_t axis = checked_axis(x, attrs, "argmax");
  int64_t outer, inner;
  const std::vector<int64_t> idx = argmax_lines(x, axis, &outer, &inner);
  Tensor out = empty(reduced_shape(x.shape(), axis, attrs.get_bool("keepdim")));
  for (size_t i = 0; i < idx.size(); ++i) out.data()[i] = static_cast<float>(idx[i]);
  return out;
}
JANUS_REGISTER_OP(argmax, {"argmax", argmax_forward});

}  // namespace

Tensor sum(const Tensor& x, const std::vector<int64_t>& axes, bool keepdim) {
  return call_op("sum", {x}, Attrs().set("axes", axes).set("keepdim", keepdim));
}
Tensor mean(const Tensor& x, const std::vector<int64_t>& axes, bool keepdim) {
  return call_op("mean", {x}, Attrs().set("axes", axes).set("keepdim", keepdim));
}
Tensor var(const Tensor& x, const std::vector<int64_t>& axes, bool unbiased, bool keepdim) {
  return call_op("var", {x}, Attrs().set("axes", axes).set("unbiased", unbiased).set("keepdim", keepdim));
}

MaxResult max(const Tensor& x, int64_t axis, bool keepdim) {
  return {call_op("max", {x}, Attrs().set("axis", axis).set("keepdim", keepdim)), argmax(x, axis, keepdim)};
}

Tensor argmax(const Tensor& x, int64_t axis, bool keepdim) {
  return call_op("argmax", {x}, Attrs().set("axis", axis).set("keepdim", keepdim));
}

Tensor Tensor::sum() const { return janus::sum(*this); }
Tensor Tensor::sum(int64_t axis, bool keepdim) const { return janus::sum(*this, {axis}, keepdim); }
Tensor Tensor::sum(const std::vector<int64_t>& axes, bool keepdim) const {
  JANUS_CHECK(!axes.empty(), "sum: expected at least one axis (use sum() to reduce all)");
  return janus::sum(*this, axes, keepdim);
}
Tensor Tensor::mean() const { return janus::mean(*this); }
Tensor Tensor::mean(int64_t axis, bool keepdim) const { return janus::mean(*this, {axis}, keepdim); }
Tensor Tensor::mean(const std::vector<int64_t>& axes, bool keepdim) const {
  JANUS_CHECK(!axes.empty(), "mean: expected at least one axis (use mean() to reduce all)");
  return janus::mean(*this, axes, keepdim);
}
MaxResult Tensor::max(int64_t axis, bool keepdim) const { return janus::max(*this, axis, keepdim); }
Tensor Tensor::argmax(int64_t axis, bool keepdim) const { return janus::argmax(*this, axis, keepdim); }
Tensor Tensor::argmax() const { return janus::argmax(reshape({-1}), 0); }

}  // namespace janus
