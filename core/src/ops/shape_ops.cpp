// Data-movement ops: reshape (a view), permute/transpose, concat and narrow (a view when the
// slice is contiguous), and the Tensor members built on them (view, squeeze, unsqueeze,
// select, narrow, t, permute, transpose) plus torch.cat / torch.stack.
#include <janus/core/autograd.h>
#include <janus/core/op.h>
#include <janus/core/ops/shape_ops.h>
#include <janus/core/parallel.h>

#include <cstring>
#include <numeric>

namespace janus {

namespace {

Shape resolve_shape(const Shape& requested, int64_t numel, const Shape& from) {
  Shape s = requested;
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == -1) {
      JANUS_CHECK(infer < 0, "reshape: only one axis may be -1 (got {})", shape_str(requested));
      infer = static_cast<int64_t>(i);
    } else {
      JANUS_CHECK(s[i] >= 0, "reshape: invalid size {} in {}", s[i], shape_str(requested));
      known *= s[i];
    }
  }
  if (infer >= 0) {
    JANUS_CHECK(known > 0 && numel % known == 0, "reshape: shape {} is invalid for input of shape {} ({} elements)",
                shape_str(requested), shape_str(from), numel);
    s[infer] = numel / known;
  }
  JANUS_CHECK(numel_of(s) == numel, "reshape: shape {} is invalid for input of shape {} ({} elements)",
              shape_str(requested), shape_str(from), numel);
  return s;
}

// Reshape shares storage: the output is a view of the input.
Tensor reshape_forward(const std::vector<Tensor>& in, const Attrs& attrs, const RunContext&) {
  const Tensor& x = in.at(0);
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = x.impl()->storage;
  impl->offset = x.impl()->offset;
  impl->shape = resolve_shape(attrs.get_ints("shape"), x.numel(), x.shape());
  Tensor out(impl);
  const Shape xs = x.shape();
  record(out, "reshape", in, [xs](const Tensor& g, const std::vector<bool>&) {
    return std::vector<Tensor>{g.detach().reshape(xs).clone()};
  });
  return out;
}
JANUS_REGISTER_OP(reshape, {"reshape", reshape_forward});

// out[j] = x[perm(j)]: a gather over the output's index space.
Tensor permute_raw(const Tensor& x, const std::vector<int64_t>& order) {
  const Shape& xs = x.shape();
  const size_t rank = xs.size();
  Shape os(rank);
  const std::vector<int64_t> xstr = contiguous_strides(xs);
  std::vector<int64_t> src_stride(rank);
  for (size_t i = 0; i < rank; ++i) {
    os[i] = xs[order[i]];
    src_stride[i] = xstr[order[i]];
  }
  Tensor out = empty(os);
  if (rank == 0) {
    out.data()[0] = x.data()[0];
    return out;
  }
  const float* px = x.data();
  float* po = out.data();
  const int64_t inner = os[rank - 1], inner_stride = src_stride[rank - 1];
  const int64_t rows = out.numel() / std::max<int64_t>(inner, 1);
  parallel_for(0, rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(inner, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      int64_t rem = r, base = 0;
      for (int64_t d = static_cast<int64_t>(rank) - 2; d >= 0; --d) {
        base += (rem % os[d]) * src_stride[d];
        rem /= os[d];
      }
      float* o = po + r * inner;
      for (int64_t j = 0; j < inner; ++j) o[j] = px[base + j * inner_stride];
    }
  });
  return out;
}

Tensor permute_forward(const std::vector<Tensor>& in, const Attrs& attrs, const RunContext&) {
  const Tensor& x = in.at(0);
  const std::vector<int64_t>& order = attrs.get_ints("order");
  const int64_t rank = x.dim();
  JANUS_CHECK(static_cast<int64_t>(order.size()) == rank,
              "permute: order has {} axes but the input {} has {}", order.size(), shape_str(x.shape()), rank);
  std::vector<int64_t> norm(rank), inverse(rank, -1);
  for (int64_t i = 0; i < rank; ++i) {
    norm[i] = normalize_axis(order[i], rank, "permute");
    JANUS_CHECK(inverse[norm[i]] < 0, "permute: axis {} appears twice in [{}]", norm[i], fmt::join(order, ", "));
    inverse[norm[i]] = i;
  }
  Tensor out = permute_raw(x, norm);
  record(out, "permute", in, [inverse](const Tensor& g, const std::vector<bool>&) {
    return std::vector<Tensor>{permute_raw(g, inverse)};
  });
  return out;
}
JANUS_REGISTER_OP(permute, {"permute", permute_forward});

Tensor concat_forward(const std::vector<Tensor>& in, const Attrs& attrs, const RunContext&) {
  JANUS_CHECK(!in.empty(), "concat: expected at least one tensor");
  const Shape& s0 = in[0].shape();
  const int64_t rank = static_cast<int64_t>(s0.size());
  const int64_t axis = normalize_axis(attrs.get_int("axis"), rank, "concat");
  Shape os = s0;
  os[axis] = 0;
  for (size_t t = 0; t < in.size(); ++t) {
    const Shape& s = in[t].shape();
    JANUS_CHECK(static_cast<int64_t>(s.size()) == rank, "concat: tensor {} is {}-D {} but tensor 0 is {}-D {}", t,
                s.size(), shape_str(s), rank, shape_str(s0));
    for (int64_t d = 0; d < rank; ++d)
      JANUS_CHECK(d == axis || s[d] == s0[d], "concat: tensor {} has shape {} which differs from {} outside axis {}",
                  t, shape_str(s), shape_str(s0), axis);
    os[axis] += s[axis];
  }
  Tensor out = empty(os);
  const int64_t outer = numel_of(Shape(s0.begin(), s0.begin() + axis));
  const int64_t inner = numel_of(Shape(s0.begin() + axis + 1, s0.end()));
  std::vector<int64_t> widths;
  int64_t offset = 0;
  for (const Tensor& t : in) {
    const int64_t w = t.shape()[axis] * inner;
    for (int64_t o = 0; o < outer; ++o)
      std::memcpy(out.data() + o * os[axis] * inner + offset, t.data() + o * w, sizeof(float) * w);
    offset += w;
    widths.push_back(w);
  }
  std::vector<Shape> shapes;
  for (const Tensor& t : in) shapes.push_back(t.shape());
  const int64_t row = os[axis] * inner;
  record(out, "concat", in, [shapes, widths, outer, row](const Tensor& g, const std::vector<bool>& needs) {
    std::vector<Tensor> grads(shapes.size());
    int64_t off = 0;
    for (size_t t = 0; t < shapes.size(); ++t) {
      if (needs[t]) {
        grads[t] = empty(shapes[t]);
        for (int64_t o = 0; o < outer; ++o)
          std::memcpy(grads[t].data() + o * widths[t], g.data() + o * row + off, sizeof(float) * widths[t]);
      }
      off += widths[t];
    }
    return grads;
  });
  return out;
}
JANUS_REGISTER_OP(concat, {"concat", concat_forward});

// narrow: out = x[..., start:start+length, ...] along `axis`. Viewed as (outer, size, inner),
// the slice is rows [start, start+length) of each outer block; with outer == 1 they are one
// contiguous run, so the output shares x's storage at an offset. Backward puts g into those
// rows of a zero gradient.
Tensor narrow_forward(const std::vector<Tensor>& in, const Attrs& attrs, const RunContext&) {
  const Tensor& x = in.at(0);
  JANUS_CHECK(x.dim() > 0, "narrow: cannot narrow a 0-d tensor");
  const Shape xs = x.shape();
  const int64_t axis = normalize_axis(attrs.get_int("axis"), x.dim(), "narrow");
  const int64_t size = xs[axis], length = attrs.get_int("length");
  int64_t start = attrs.get_int("start");
  JANUS_CHECK(start >= -size && start <= size, "narrow: start {} is out of range for axis {} of size {} (input {})",
              start, axis, size, shape_str(xs));
  if (start < 0) start += size;
  JANUS_CHECK(length >= 0 && start + length <= size,
              "narrow: start ({}) + length ({}) exceeds axis {} of size {} (input {})", start, length, axis, size,
              shape_str(xs));
  const int64_t outer = numel_of(Shape(xs.begin(), xs.begin() + axis));
  const int64_t inner = numel_of(Shape(xs.begin() + axis + 1, xs.end()));
  Shape os = xs;
  os[axis] = length;
  Tensor out;
  if (outer == 1) {
    auto impl = std::make_shared<TensorImpl>();
    impl->storage = x.impl()->storage;
    impl->offset = x.impl()->offset + start * inner;
    impl->shape = os;
    out = Tensor(impl);
  } else {
    out = empty(os);
    for (int64_t o = 0; o < outer; ++o)
      std::memcpy(out.data() + o * length * inner, x.data() + (o * size + start) * inner,
                  sizeof(float) * length * inner);
  }
  record(out, "narrow", in, [xs, outer, size, inner, start, length](const Tensor& g, const std::vector<bool>&) {
    Tensor dx = zeros(xs);
    for (int64_t o = 0; o < outer; ++o) {
      float* dst = dx.data() + (o * size + start) * inner;
      const float* src = g.data() + o * length * inner;
      for (int64_t i = 0; i < length * inner; ++i) dst[i] += src[i];
    }
    return std::vector<Tensor>{dx};
  });
  return out;
}
JANUS_REGISTER_OP(narrow, {"narrow", narrow_forward});

}  // namespace

Tensor Tensor::reshape(const Shape& shape) const { return call_op("reshape", {*this}, Attrs().set("shape", shape)); }

Tensor Tensor::flatten(int64_t start, int64_t end) const {
  const int64_t rank = dim();
  if (rank == 0) return reshape({1});
  const int64_t s = normalize_axis(start, rank, "flatten"), e = normalize_axis(end, rank, "flatten");
  JANUS_CHECK(s <= e, "flatten: start axis {} comes after end axis {}", start, end);
  Shape out(shape().begin(), shape().begin() + s);
  out.push_back(numel_of(Shape(shape().begin() + s, shape().begin() + e + 1)));
  out.insert(out.end(), shape().begin() + e + 1, shape().end());
  return reshape(out);
}

Tensor Tensor::view(const Shape& shape) const { return reshape(shape); }

Tensor Tensor::permute(const std::vector<int64_t>& order) const { return janus::permute(*this, order); }

Tensor Tensor::transpose(int64_t axis0, int64_t axis1) const { return janus::transpose(*this, axis0, axis1); }

Tensor Tensor::t() const {
  JANUS_CHECK(dim() <= 2, "t: expects a tensor with <= 2 dimensions (got {}-D input {}); use transpose(a, b)",
              dim(), shape_str(shape()));
  return dim() < 2 ? *this : janus::transpose(*this, 0, 1);
}

Tensor Tensor::squeeze() const {
  Shape out;
  for (int64_t s : shape())
    if (s != 1) out.push_back(s);
  return reshape(out);
}

Tensor Tensor::squeeze(int64_t axis) const {
  if (dim() == 0) {
    JANUS_CHECK(axis == 0 || axis == -1, "squeeze: axis {} is out of range for a 0-d tensor", axis);
    return reshape({});
  }
  const int64_t a = normalize_axis(axis, dim(), "squeeze");
  Shape out = shape();
  if (out[a] == 1) out.erase(out.begin() + a);
  return reshape(out);
}

Tensor Tensor::unsqueeze(int64_t axis) const {
  JANUS_CHECK(axis >= -(dim() + 1) && axis <= dim(),
              "unsqueeze: axis {} is out of range for a {}-D tensor (expected {} to {})", axis, dim(), -(dim() + 1),
              dim());
  const int64_t a = axis < 0 ? axis + dim() + 1 : axis;
  Shape out = shape();
  out.insert(out.begin() + a, 1);
  return reshape(out);
}

Tensor Tensor::narrow(int64_t axis, int64_t start, int64_t length) const {
  return janus::narrow(*this, axis, start, length);
}

Tensor Tensor::select(int64_t axis, int64_t index) const {
  JANUS_CHECK(dim() > 0, "select: cannot index a 0-d tensor");
  const int64_t a = normalize_axis(axis, dim(), "select");
  const int64_t n = shape()[a];
  JANUS_CHECK(index >= -n && index < n, "select: index {} is out of range for axis {} of size {} (input {})", index,
              a, n, shape_str(shape()));
  Shape out = shape();
  out.erase(out.begin() + a);
  return janus::narrow(*this, a, index < 0 ? index + n : index, 1).reshape(out);
}

Tensor narrow(const Tensor& x, int64_t axis, int64_t start, int64_t length) {
  return call_op("narrow", {x}, Attrs().set("axis", axis).set("start", start).set("length", length));
}

Tensor cat(const std::vector<Tensor>& tensors, int64_t axis) { return concat(tensors, axis); }

Tensor stack(const std::vector<Tensor>& tensors, int64_t axis) {
  JANUS_CHECK(!tensors.empty(), "stack: expected at least one tensor");
  const Shape& s0 = tensors[0].shape();
  std::vector<Tensor> parts;
  for (size_t i = 0; i < tensors.size(); ++i) {
    JANUS_CHECK(tensors[i].shape() == s0, "stack: expects tensors of equal shape, but tensor 0 is {} and tensor {} is {}",
                shape_str(s0), i, shape_str(tensors[i].shape()));
    parts.push_back(tensors[i].unsqueeze(axis));
  }
  return concat(parts, axis);
}

Tensor permute(const Tensor& x, const std::vector<int64_t>& order) {
  return call_op("permute", {x}, Attrs().set("order", order));
}

Tensor transpose(const Tensor& x, int64_t axis0, int64_t axis1) {
  const int64_t rank = x.dim();
  std::vector<int64_t> order(rank);
  std::iota(order.begin(), order.end(), 0);
  std::swap(order[normalize_axis(axis0, rank, "transpose")], order[normalize_axis(axis1, rank, "transpose")]);
  return permute(x, order);
}

Tensor nchw_to_nhwc(const Tensor& x) {
  JANUS_CHECK(x.dim() == 4, "nchw_to_nhwc: expected a 4-D input (got {}-D input {})", x.dim(), shape_str(x.shape()));
  return permute(x, {0, 2, 3, 1});
}

Tensor nhwc_to_nchw(const Tensor& x) {
  JANUS_CHECK(x.dim() == 4, "nhwc_to_nchw: expected a 4-D input (got {}-D input {})", x.dim(), shape_str(x.shape()));
  return permute(x, {0, 3, 1, 2});
}

Tensor concat(const std::vector<Tensor>& tensors, int64_t axis) {
  return call_op("concat", tensors, Attrs().set("axis", axis));
}

}  // namespace janus
