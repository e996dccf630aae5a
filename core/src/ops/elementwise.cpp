// Elementwise ops: broadcasting arithmetic, unary math and activations. Each op's backward
// is defined right after its forward; broadcast gradients are summed back to input shapes.
#include <janus/core/autograd.h>
#include <janus/core/op.h>
#include <janus/core/ops/elementwise.h>
#include <janus/core/parallel.h>

#include <cmath>

namespace janus {

namespace {

constexpr int64_t kGrain = 1 << 15;

// out[i] = f(x[i]), in parallel.
template <typename F>
Tensor unary_map(const Tensor& x, F f) {
  Tensor out = empty(x.shape());
  const float* px = x.data();
  float* po = out.data();
  parallel_for(0, x.numel(), kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) po[i] = f(px[i]);
  });
  return out;
}

// out[i] = f(x[i], y[i]) for two tensors of the same shape.
template <typename F>
Tensor zip_map(const Tensor& x, const Tensor& y, F f) {
  Tensor out = empty(x.shape());
  const float* px = x.data();
  const float* py = y.data();
  float* po = out.data();
  parallel_for(0, x.numel(), kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) po[i] = f(px[i], py[i]);
  });
  return out;
}

// out = f(a, b) with NumPy broadcasting.
template <typename F>
Tensor broadcast_map(const Tensor& a, const Tensor& b, F f, const char* what) {
  if (a.shape() == b.shape()) return zip_map(a, b, f);
  const Shape out_shape = broadcast_shapes(a.shape(), b.shape(), what);
  Tensor out = empty(out_shape);
  float* po = out.data();
  const float* pa = a.data();
  const float* pb = b.data();
  if (b.numel() == 1) {
    const float s = pb[0];
    parallel_for(0, out.numel(), kGrain, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) po[i] = f(pa[i], s);
    });
    return out;
  }
  if (a.numel() == 1) {
    const float s = pa[0];
    parallel_for(0, out.numel(), kGrain, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) po[i] = f(s, pb[i]);
    });
    return out;
  }
  // General case: strides of a and b in the output's index space (0 on broadcast axes).
  const size_t rank = out_shape.size();
  auto strides_for = [&](const Shape& s) {
    Shape padded(rank - s.size(), 1);
    padded.insert(padded.end(), s.begin(), s.end());
    std::vector<int64_t> st = contiguous_strides(padded);
    for (size_t i = 0; i < rank; ++i)
      if (padded[i] == 1) st[i] = 0;
    return st;
  };
  const std::vector<int64_t> sa = strides_for(a.shape()), sb = strides_for(b.shape());
  const int64_t inner = out_shape[rank - 1];
  const int64_t rows = out.numel() / std::max<int64_t>(inner, 1);
  parallel_for(0, rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(inner, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      int64_t rem = r, oa = 0, ob = 0;
      for (int64_t d = static_cast<int64_t>(rank) - 2; d >= 0; --d) {
        const int64_t i = rem % out_shape[d];
        rem /= out_shape[d];
        oa += i * sa[d];
        ob += i * sb[d];
      }
      const int64_t ia = sa[rank - 1], ib = sb[rank - 1];
      float* o = po + r * inner;
      for (int64_t j = 0; j < inner; ++j) o[j] = f(pa[oa + j * ia], pb[ob + j * ib]);
    }
  });
  return out;
}

const std::vector<Tensor>& binary_inputs(const std::vector<Tensor>& in, const char* what) {
  JANUS_CHECK(in.size() == 2 && in[0].defined() && in[1].defined(), "{}: expected two defined inputs", what);
  return in;
}

// ---- add / sub ---------------------------------------------------------------------------

Tensor add_forward(const std::vector<Tensor>& in, const Attrs&, const RunContext&) {
  const Tensor& a = binary_inputs(in, "add")[0];
  const Tensor& b = in[1];
  Tensor out = broadcast_map(a, b, [](float x, float y) { return x + y; }, "add");
  const Shape sa = a.shape(), sb = b.shape();
  record(out, "add", in, [sa, sb](const Tensor& g, const std::vector<bool>& needs) {
    return std::vector<Tensor>{needs[0] ? sum_to_shape(g, sa) : Tensor(),
                               needs[1] ? sum_to_shape(g, sb) : Tensor()};
  });
  return out;
}
JANUS_REGISTER_OP(add, {"add", add_forward});

Tensor sub_forward(const std::vector<Tensor>& in, const Attrs&, const RunContext&) {
  const Tensor& a = binary_inputs(in, "sub")[0];
  const Tensor& b = in[1];
  Tensor out = broadcast_map(a, b, [](float x, float y) { return x - y; }, "sub");
  const Shape sa = a.shape(), sb = b.shape();
  record(out, "sub", in, [sa, sb](const Tensor& g, const std::vector<bool>& needs) {
    Tensor gb;
    if (needs[1]) gb = unary_map(sum_to_shape(g, sb), [](float v) { return -v; });
    return std::vector<Tensor>{needs[0] ? sum_to_shape(g, sa) : Tensor(), gb};
  });
  return out;
}
JANUS_REGISTER_OP(sub, {"sub", sub_forward});

// ---- mul / div ---------------------------------------------------------------------------

auto times = [](float x, float y) { return x * y; };

Tensor mul_forward(const std::vector<Tensor>& in, const Attrs&, const RunContext&) {
  const Tensor& a = binary_inputs(in, "mul")[0];
  const Tensor& b = in[1];
  Tensor out = broadcast_map(a, b, times, "mul");
  const Tensor ad = a.detach(), bd = b.detach();
  record(out, "mul", in, [ad, bd](const Tensor& g, const std::vector<bool>& needs) {
    // d(a*b)/da = b, d(a*b)/db = a
    return std::vector<Tensor>{
        needs[0] ? sum_to_shape(broadcast_map(g, bd, times, "mul backward"), ad.shape()) : Tensor(),
        needs[1] ? sum_to_shape(broadcast_map(g, ad, times, "mul backward"), bd.shape()) : Tensor()};
  });
  return out;
}
JANUS_REGISTER_OP(mul, {"mul", mul_forward});

Tensor div_forward(const std::vector<Tensor>& in, const Attrs&, const RunContext&) {
  const Tensor& a = binary_inputs(in, "div")[0];
  const Tensor& b = in[1];
  auto divide = [](float x, float y) { return x / y; };
  Tensor out = broadcast_map(a, b, divide, "div");
  const Shape sa = a.shape();
  const Tensor bd = b.detach(), od = out.detach();
  record(out, "div", in, [sa, bd, od, divide](const Tensor& g, const std::vector<bool>& needs) {
    // d(a/b)/da = 1/b;  d(a/b)/db = -a/b^2 = -(a/b)/b = -out/b
    Tensor ga, gb;
    Tensor g_over_b = broadcast_map(g, bd, divide, "div backward");
    if (needs[0]) ga = sum_to_shape(g_over_b, sa);
    if (needs[1]) {
      Tensor t = broadcast_map(g_over_b, od, [](float x, float y) { return -x * y; }, "div backward");
      gb = sum_to_shape(t, bd.shape());
    }
    return std::vector<Tensor>{ga, gb};
  });
  return out;
}
JANUS_REGISTER_OP(div, {"div", div_forward});

// ---- scalar variants ---------------------------------------------------------------------

Tensor add_scalar_forward(const std::vector<Tensor>& in, const Attrs& attrs, const RunContext&) {
  const float s = static_cast<float>(attrs.get_float("value"));
  Tensor out = unary_map(in.at(0), [s](float v) { return v + s; });
  record(out, "add_scalar", in, [](const Tensor& g, const std::vector<bool>&) { return std::vector<Tensor>{g}; });
  return out;
}
JANUS_REGISTER_OP(add_scalar, {"add_scalar", add_scalar_forward});

Tensor mul_scalar_forward(const std::vector<Tensor>& in, const Attrs& attrs, const RunContext&) {
  const float s = static_cast<float>(attrs.get_float("value"));
  Tensor out = unary_map(in.at(0), [s](float v) { return v * s; });
  record(out, "mul_scalar", in, [s](const Tensor& g, const std::vector<bool>&) {
    return std::vector<Tensor>{unary_map(g, [s](float v) { return v * s; })};
  });
  return out;
}
JANUS_REGISTER_OP(mul_scalar, {"mul_scalar", mul_scalar_forward});

// ---- unary math and activations -----------------------------------------------------------
// Each: forward f(x), and the local derivative written from x and/or the output y.

template <typename Fwd, typename Dx>
Tensor unary_op(const std::vector<Tensor>& in, const char* kind, Fwd f, Dx dydx) {
  JANUS_CHECK(in.size() == 1 && in[0].defined(), "{}: expected one defined input", kind);
  const Tensor& x = in[0];
  Tensor out = unary_map(x, f);
  const Tensor xd = x.detach(), yd = out.detach();
  record(out, kind, in, [xd, yd, dydx](const Tensor& g, const std::vector<bool>&) {
    Tensor gx = empty(g.shape());
    const float *pg = g.data(), *px = xd.data(), *py = yd.data();
    float* po = gx.data();
    parallel_for(0, g.numel(), kGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) po[i] = pg[i] * dydx(px[i], py[i]);
    });
    return std::vector<Tensor>{gx};
  });
  return out;
}

Tensor neg_forward(const std::vector<Tensor>& in, const Attrs&, const RunContext&) {
  return unary_op(in, "neg", [](float v) { return -v; }, [](float, float) { return -1.0f; });
}
JANUS_REGISTER_OP(neg, {"neg", neg_forward});

Tensor exp_forward(const std::vector<Tensor>& in, const Attrs&, const RunContext&) {
  return unary_op(in, "exp", [](float v) { return std::exp(v); }, [](float, float y) { return y; });
}
JANUS_REGISTER_OP(exp, {"exp", exp_forward});

Tensor log_forward(const std::vector<Tensor>& in, const Attrs&, const RunContext&) {
  return unary_op(in, "log", [](float v) { return std::log(v); }, [](float x, float) { return 1.0f / x; });
}
JANUS_REGISTER_OP(log, {"log", log_forward});

Tensor sqrt_forward(const std::vector<Tensor>& in, const Attrs&, const RunContext&) {
  return unary_op(in, "sqrt", [](float v) { return std::sqrt(v); }, [](float, float y) { return 0.5f / y; });
}
JANUS_REGISTER_OP(sqrt, {"sqrt", sqrt_forward});

Tensor pow_forward(const std::vector<Tensor>& in, const Attrs& attrs, const RunContext&) {
  const float p = static_cast<float>(attrs.get_float("exponent"));
  return unary_op(in, "pow", [p](float v) { return std::pow(v, p); },
                  [p](float x, float) { return p * std::pow(x, p - 1.0f); });
}
JANUS_REGISTER_OP(pow, {"pow", pow_forward});

// ReLU keeps only its output: y > 0 exactly where x > 0, so the mask comes from y and x
// can be freed (in a conv -> norm -> relu net, x is the norm's output). The gradient at
// exactly 0 is taken as 0, and NaN passes through, as in PyTorch (and as the fused
// normalize+relu kernel does). Backward: dx = [y > 0] ? dy : 0, written into dy's
// buffer when the engine hands over a gradient nobody else holds (no new allocation).
Tensor relu_forward(const std::vector<Tensor>& in, const Attrs&, const RunContext&) {
  JANUS_CHECK(in.size() == 1 && in[0].defined(), "relu: expected one defined input");
  Tensor out = unary_map(in[0], [](float v) { return (v > 0.0f || v != v) ? v : 0.0f; });
  const Tensor yd = out.detach();
  record(out, "relu", in, [yd](const Tensor& g, const std::vector<bool>&) {
    const bool exclusive = is_exclusive(g);
    Tensor gx = exclusive ? g : empty(g.shape());
    const float *pg = g.data(), *py = yd.data();
    float* po = gx.data();
    parallel_for(0, g.numel(), kGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) po[i] = py[i] > 0.0f ? pg[i] : 0.0f;
    });
    return std::vector<Tensor>{gx};
  });
  return out;
}
JANUS_REGISTER_OP(relu, {"relu", relu_forward});

Tensor sigmoid_forward(const std::vector<Tensor>& in, const Attrs&, const RunContext&) {
  return unary_op(in, "sigmoid", [](float v) { return 1.0f / (1.0f + std::exp(-v)); },
                  [](float, float y) { return y * (1.0f - y); });
}
JANUS_REGISTER_OP(sigmoid, {"sigmoid", sigmoid_forward});

Tensor tanh_forward(const std::vector<Tensor>& in, const Attrs&, const RunContext&) {
  return unary_op(in, "tanh", [](float v) { return std::tanh(v); }, [](float, float y) { return 1.0f - y * y; });
}
JANUS_REGISTER_OP(tanh, {"tanh", tanh_forward});

}  // namespace

// ---- public API ----------------------------------------------------------------------------

Tensor add(const Tensor& a, const Tensor& b) { return call_op("add", {a, b}); }
Tensor sub(const Tensor& a, const Tensor& b) { return call_op("sub", {a, b}); }
Tensor mul(const Tensor& a, const Tensor& b) { return call_op("mul", {a, b}); }
Tensor div(const Tensor& a, const Tensor& b) { return call_op("div", {a, b}); }
Tensor add(const Tensor& a, float b) { return call_op("add_scalar", {a}, Attrs().set("value", b)); }
Tensor mul(const Tensor& a, float b) { return call_op("mul_scalar", {a}, Attrs().set("value", b)); }
Tensor neg(const Tensor& x) { return call_op("neg", {x}); }
Tensor exp(const Tensor& x) { return call_op("exp", {x}); }
Tensor log(const Tensor& x) { return call_op("log", {x}); }
Tensor sqrt(const Tensor& x) { return call_op("sqrt", {x}); }
Tensor pow(const Tensor& x, float exponent) { return call_op("pow", {x}, Attrs().set("exponent", exponent)); }
Tensor relu(const Tensor& x) { return call_op("relu", {x}); }
Tensor sigmoid(const Tensor& x) { return call_op("sigmoid", {x}); }
Tensor tanh(const Tensor& x) { return call_op("tanh", {x}); }

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator-(const Tensor& x) { return neg(x); }
Tensor operator+(const Tensor& a, float b) { return add(a, b); }
Tensor operator-(const Tensor& a, float b) { return add(a, -b); }
Tensor operator*(const Tensor& a, float b) { return mul(a, b); }
Tensor operator/(const Tensor& a, float b) { return mul(a, 1.0f / b); }
Tensor operator*(float a, const Tensor& b) { return mul(b, a); }

}  // namespace janus
