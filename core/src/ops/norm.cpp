// The "normalize" op: validation, statistics source, running-statistics update (both
// frameworks' conventions), autograd record, the public API and the framework presets.
// The arithmetic lives in norm_kernels.cpp; norm_reference.cpp is the teaching version.
#include "norm_kernels.h"

#include <janus/core/autograd.h>
#include <janus/core/deterministic.h>
#include <janus/core/op.h>
#include <janus/core/ops/norm.h>
#include <janus/core/process_group.h>

#include <algorithm>
#include <cmath>
#include <memory>

namespace janus {

using norm_detail::NormPlan;

// ---- names and attributes ------------------------------------------------------------------

std::string to_string(NormAxes axes) {
  switch (axes) {
    case NormAxes::batch: return "batch";
    case NormAxes::instance: return "instance";
    case NormAxes::group: return "group";
    case NormAxes::layer: return "layer";
  }
  return "?";
}

std::string to_string(StatsSource stats) {
  switch (stats) {
    case StatsSource::auto_: return "auto";
    case StatsSource::batch: return "batch";
    case StatsSource::running: return "running";
  }
  return "?";
}

namespace {

std::string eps_placement_name(EpsPlacement e) {
  switch (e) {
    case EpsPlacement::inside: return "inside";
    case EpsPlacement::std_biased: return "std_biased";
    case EpsPlacement::std_unbiased: return "std_unbiased";
  }
  return "?";
}

template <typename E>
E parse_enum(const std::string& s, std::initializer_list<std::pair<const char*, E>> table, const char* attr) {
  for (const auto& [name, value] : table)
    if (s == name) return value;
  JANUS_FAIL("normalize: unknown value '{}' for attribute '{}'", s, attr);
}

}  // namespace

Attrs NormOptions::to_attrs() const {
  Attrs a;
  a.set("axes", to_string(axes_));
  if (axes_ == NormAxes::group) a.set("groups", groups_);
  if (axes_ == NormAxes::layer) a.set("normalized_ndim", normalized_ndim_);
  a.set("eps", eps_).set("eps_placement", eps_placement_name(eps_placement_));
  a.set("momentum", momentum_).set("momentum_convention",
                                   momentum_convention_ == MomentumConvention::new_value ? "new" : "old");
  a.set("cumulative", cumulative_).set("unbiased_running_var", unbiased_running_var_);
  a.set("stats", to_string(stats_)).set("reject_single_value", reject_single_value_).set("relu", relu_);
  if (sync_) a.set("sync", true);  // absent = off: graphs and hashes of plain BN are unchanged
  return a;
}

NormOptions NormOptions::from_attrs(const Attrs& a) {
  NormOptions o(parse_enum<NormAxes>(a.get_string("axes"),
                                     {{"batch", NormAxes::batch}, {"instance", NormAxes::instance},
                                      {"group", NormAxes::group}, {"layer", NormAxes::layer}},
                                     "axes"));
  o.groups(a.get_int("groups", 1)).normalized_ndim(a.get_int("normalized_ndim", 1));
  o.eps(a.get_float("eps", 1e-5));
  o.eps_placement(parse_enum<EpsPlacement>(a.get_string("eps_placement"),
                                           {{"inside", EpsPlacement::inside},
                                            {"std_biased", EpsPlacement::std_biased},
                                            {"std_unbiased", EpsPlacement::std_unbiased}},
                                           "eps_placement"));
  o.momentum(a.get_float("momentum", 0.1));
  o.momentum_convention(parse_enum<MomentumConvention>(
      a.get_string("momentum_convention"),
      {{"new", MomentumConvention::new_value}, {"old", MomentumConvention::old_value}}, "momentum_convention"));
  o.cumulative(a.get_bool("cumulative", false)).unbiased_running_var(a.get_bool("unbiased_running_var", true));
  o.stats(parse_enum<StatsSource>(a.get_string("stats"),
                                  {{"auto", StatsSource::auto_}, {"batch", StatsSource::batch},
                                   {"running", StatsSource::running}},
                                  "stats"));
  o.reject_single_value(a.get_bool("reject_single_value", true)).relu(a.get_bool("relu", false));
  o.sync(a.get_bool("sync", false));
  return o;
}

NormOptions NormOptions::torch_batch_norm() { return NormOptions(NormAxes::batch); }
NormOptions NormOptions::keras_batch_norm() {
  return NormOptions(NormAxes::batch)
      .eps(1e-3)
      .momentum(0.99)
      .momentum_convention(MomentumConvention::old_value)
      .unbiased_running_var(false)
      .reject_single_value(false);
}
NormOptions NormOptions::torch_instance_norm() { return NormOptions(NormAxes::instance); }
NormOptions NormOptions::torch_group_norm(int64_t groups) { return NormOptions(NormAxes::group).groups(groups); }
NormOptions NormOptions::torch_layer_norm(int64_t normalized_ndim) {
  return NormOptions(NormAxes::layer).normalized_ndim(normalized_ndim);
}
NormOptions NormOptions::keras_layer_norm() { return NormOptions(NormAxes::layer).eps(1e-3); }
NormOptions NormOptions::seed_keras_per_channel() {
  return NormOptions(NormAxes::instance).eps(1e-7).eps_placement(EpsPlacement::std_biased).stats(StatsSource::batch);
}
NormOptions NormOptions::seed_torch_per_channel() {
  return NormOptions(NormAxes::instance).eps(1e-7).eps_placement(EpsPlacement::std_unbiased).stats(StatsSource::batch);
}

// ---- the op ----------------------------------------------------------------------------------

namespace {

const char* axes_label(NormAxes a) {
  switch (a) {
    case NormAxes::batch: return "normalize (batch norm)";
    case NormAxes::instance: return "normalize (instance norm)";
    case NormAxes::group: return "normalize (group norm)";
    case NormAxes::layer: return "normalize (layer norm)";
  }
  return "normalize";
}

Tensor input_at(const std::vector<Tensor>& in, size_t i) { return i < in.size() ? in[i] : Tensor(); }

NormPlan make_plan(const Tensor& x, const NormOptions& o) {
  const char* what = axes_label(o.axes_);
  const Shape& s = x.shape();
  NormPlan p;
  p.axes = o.axes_;
  if (o.axes_ == NormAxes::layer) {
    const int64_t k = o.normalized_ndim_;
    JANUS_CHECK(k >= 1 && x.dim() >= k, "{}: expected an input with at least {} axes to normalize over (got {}-D input {})",
                what, k, x.dim(), shape_str(s));
    int64_t d = 1;
    for (int64_t i = x.dim() - k; i < x.dim(); ++i) d *= s[i];
    JANUS_CHECK(d > 0, "{}: empty normalized shape (input {})", what, shape_str(s));
    p.c = 1;
    p.inner = d;
    p.rows = x.numel() / d;
    p.n = p.rows;
    p.segs = 1;
    p.seg_len = d;
    return p;
  }
  const int64_t min_rank = o.axes_ == NormAxes::instance ? 3 : 2;
  JANUS_CHECK(x.dim() >= min_rank, "{}: expected input (N, C{}) with at least {} axes (got {}-D input {})", what,
              min_rank == 3 ? ", L, ..." : ", ...", min_rank, x.dim(), shape_str(s));
  p.n = s[0];
  p.c = s[1];
  p.inner = 1;
  for (int64_t i = 2; i < x.dim(); ++i) p.inner *= s[i];
  if (o.axes_ == NormAxes::batch) {
    p.rows = p.c;
    p.segs = p.n;
    p.seg_len = p.inner;
    return p;
  }
  const int64_t g = o.axes_ == NormAxes::instance ? p.c : o.groups_;
  JANUS_CHECK(g >= 1 && p.c % g == 0, "{}: {} groups do not divide the {} channels of input {}", what, g, p.c,
              shape_str(s));
  p.groups = g;
  p.rows = p.n * g;
  p.segs = p.c / g;
  p.seg_len = p.inner;
  return p;
}

void check_param(const Tensor& t, const char* name, const Shape& expected, const Tensor& x, const char* what,
                 const char* layer_hint) {
  if (!t.defined()) return;
  JANUS_CHECK(t.shape() == expected || (t.numel() == numel_of(expected) && expected.size() == 1),
              "{}: {} has shape {} but the input {} needs {} ({})", what, name, shape_str(t.shape()),
              shape_str(x.shape()), shape_str(expected), layer_hint);
}

struct Stats {
  std::vector<float> mean, r;  // (rows)
  std::vector<double> k;       // (rows): coefficient of the variance term in backward
};

// Per-row mean and biased variance of the batch, and the count they are over. Three ways:
//   local      this process' batch (row_moments), the plain op;
//   tree       deterministic mode, batch axes: per-sample sums combined by tree_sum, and over
//              ranks by allreduce_sum_ordered (SyncBN): the same bits for every N;
//   merged     SyncBN: every rank's (count, mean, M2) gathered and merged in rank order
//              (Chan et al.'s pairwise update), the same result on every rank.
struct Moments {
  std::vector<double> mean, var;
  double count = 0;
};

Moments batch_moments(const Tensor& x, const NormPlan& p, bool across, bool tree, ProcessGroup& pg) {
  Moments mo;
  const int64_t rows = p.rows;
  if (tree) {
    std::vector<double> parts(static_cast<size_t>(p.segs * rows));
    std::vector<double> s(rows + 1);
    norm_detail::seg_sums(x.data(), p, parts.data());
    tree_sum(parts.data(), p.segs, rows, rows, 1, s.data());
    s[rows] = static_cast<double>(p.count());
    if (across) allreduce_sum_ordered(pg, s.data(), rows + 1);
    mo.count = s[rows];
    mo.mean.resize(rows);
    std::vector<float> muf(rows);
    for (int64_t r = 0; r < rows; ++r) {
      mo.mean[r] = mo.count > 0 ? s[r] / mo.count : 0.0;
      muf[r] = static_cast<float>(mo.mean[r]);
    }
    std::vector<double> sq(parts.size()), lin(parts.size()), d(2 * rows);
    norm_detail::seg_dev_parts(x.data(), p, muf.data(), sq.data(), lin.data());
    tree_sum(sq.data(), p.segs, rows, rows, 1, d.data());
    tree_sum(lin.data(), p.segs, rows, rows, 1, d.data() + rows);
    if (across) allreduce_sum_ordered(pg, d.data(), 2 * rows);
    mo.var.resize(rows);
    const double m = mo.count;
    for (int64_t r = 0; r < rows; ++r)
      mo.var[r] = m > 0 ? std::max(0.0, (d[r] - d[rows + r] * d[rows + r] / m) / m) : 0.0;
    return mo;
  }
  if (p.count() > 0) norm_detail::row_moments(x.data(), p, mo.mean, mo.var);
  else mo.mean.assign(rows, 0.0), mo.var.assign(rows, 0.0);
  mo.count = static_cast<double>(p.count());
  if (!across) return mo;
  // [count, mean (rows), M2 (rows)] from every rank, merged in rank order.
  const int64_t w = 1 + 2 * rows;
  std::vector<double> mine(w), all(static_cast<size_t>(w) * pg.size());
  mine[0] = mo.count;
  for (int64_t r = 0; r < rows; ++r) {
    mine[1 + r] = mo.mean[r];
    mine[1 + rows + r] = mo.var[r] * mo.count;
  }
  pg.allgather(mine.data(), static_cast<int64_t>(sizeof(double)) * w, all.data());
  double n = 0;
  std::vector<double> mean(rows, 0.0), m2(rows, 0.0);
  for (int q = 0; q < pg.size(); ++q) {
    const double* o = all.data() + static_cast<size_t>(q) * w;
    const double nb = o[0];
    if (nb <= 0) continue;
    const double nab = n + nb;
    for (int64_t r = 0; r < rows; ++r) {
      const double delta = o[1 + r] - mean[r];
      mean[r] += delta * (nb / nab);
      m2[r] += o[1 + rows + r] + delta * delta * (n * nb / nab);
    }
    n = nab;
  }
  mo.count = n;
  mo.mean = mean;
  for (int64_t r = 0; r < rows; ++r) mo.var[r] = n > 0 ? m2[r] / n : 0.0;
  return mo;
}

// Statistics from the batch moments: mean and r = 1/sqrt(var + eps), or 1/(std + eps).
Stats batch_stats(const Tensor& x, const NormPlan& p, const NormOptions& o, const std::vector<double>& mean,
                  const std::vector<double>& var, double m) {
  Stats st;
  st.mean.resize(p.rows);
  st.r.resize(p.rows);
  st.k.resize(p.rows);
  for (int64_t row = 0; row < p.rows; ++row) {
    const double v = var[row];
    double r, k;
    if (o.eps_placement_ == EpsPlacement::inside) {
      r = 1.0 / std::sqrt(v + o.eps_);
      k = 1.0 / m;
    } else {
      // y = (x - mean) / (s + eps), s = sqrt(SS / d), d = m or m - 1. Then
      // d s / d x_i = (x_i - mean) / (d s) and repeating the derivation in norm_kernels.cpp
      // with D = s + eps in place of sqrt(var + eps) gives the same dx with k = D / (d s).
      const double d = o.eps_placement_ == EpsPlacement::std_biased ? m : m - 1.0;
      const double s = std::sqrt(v * m / d);
      const double D = s + o.eps_;
      r = 1.0 / D;
      k = s > 0.0 ? D / (d * s) : 0.0;  // s = 0: x_hat = 0, the term vanishes
    }
    JANUS_CHECK(std::isfinite(mean[row]) && std::isfinite(r),
                "{}: statistics of row {} are not finite (mean {}, variance {}) for input {}; the input "
                "contains NaN/Inf{}",
                axes_label(p.axes), row, mean[row], v, shape_str(x.shape()),
                o.eps_placement_ == EpsPlacement::std_unbiased && m <= 1 ? " or the unbiased std of 1 value" : "");
    st.mean[row] = static_cast<float>(mean[row]);
    st.r[row] = static_cast<float>(r);
    st.k[row] = k;
  }
  return st;
}

// running = (1 - a) running + a * batch; a from the momentum convention or 1 / num_batches.
void update_running(Tensor rm, Tensor rv, Tensor nbt, const NormPlan& p, const NormOptions& o,
                    const std::vector<double>& mean, const std::vector<double>& var, double m) {
  if (nbt.defined()) nbt.data()[0] += 1.0f;
  double a;
  if (o.cumulative_) {
    JANUS_CHECK(nbt.defined(), "{}: momentum=None (cumulative average) needs num_batches_tracked", axes_label(p.axes));
    a = 1.0 / static_cast<double>(nbt.data()[0]);
  } else {
    a = o.momentum_convention_ == MomentumConvention::new_value ? o.momentum_ : 1.0 - o.momentum_;
  }
  const double bessel = (o.unbiased_running_var_ && m > 1) ? m / (m - 1.0) : 1.0;
  // Per channel: batch norm has one row per channel; instance norm averages its N rows.
  const int64_t per = p.axes == NormAxes::batch ? 1 : p.n;
  float* pm = rm.data();
  float* pv = rv.data();
  for (int64_t c = 0; c < p.c; ++c) {
    double bm = 0.0, bv = 0.0;
    for (int64_t i = 0; i < per; ++i) {
      const int64_t row = p.axes == NormAxes::batch ? c : i * p.c + c;
      bm += mean[row];
      bv += var[row] * bessel;
    }
    bm /= per;
    bv /= per;
    pm[c] = static_cast<float>((1.0 - a) * pm[c] + a * bm);
    pv[c] = static_cast<float>((1.0 - a) * pv[c] + a * bv);
  }
}

Tensor normalize_forward(const std::vector<Tensor>& in, const Attrs& attrs, const RunContext& ctx) {
  const NormOptions o = NormOptions::from_attrs(attrs);
  const char* what = axes_label(o.axes_);
  const Tensor x = input_at(in, 0);
  JANUS_CHECK(x.defined(), "{}: input x is undefined", what);
  const Tensor w = input_at(in, 1), b = input_at(in, 2), rm = input_at(in, 3), rv = input_at(in, 4),
               nbt = input_at(in, 5);
  const NormPlan p = make_plan(x, o);

  const bool layer = o.axes_ == NormAxes::layer;
  const Shape affine_shape = layer ? Shape(x.shape().end() - o.normalized_ndim_, x.shape().end()) : Shape{p.c};
  const char* hint = layer ? "the normalized shape" : "one value per channel: is num_features right?";
  check_param(w, "weight", affine_shape, x, what, hint);
  check_param(b, "bias", affine_shape, x, what, hint);
  JANUS_CHECK(rm.defined() == rv.defined(), "{}: running_mean and running_var must be given together", what);
  if (rm.defined()) {
    JANUS_CHECK(o.axes_ == NormAxes::batch || o.axes_ == NormAxes::instance,
                "{}: running statistics are only kept for batch and instance axes", what);
    check_param(rm, "running_mean", Shape{p.c}, x, what, "one value per channel: is num_features right?");
    check_param(rv, "running_var", Shape{p.c}, x, what, "one value per channel: is num_features right?");
  }
  JANUS_CHECK(!nbt.defined() || nbt.numel() == 1, "{}: num_batches_tracked must have one element (got {})", what,
              shape_str(nbt.shape()));

  const bool use_batch = o.stats_ == StatsSource::batch ||
                         (o.stats_ == StatsSource::auto_ && (ctx.training || !rm.defined()));
  const bool update = use_batch && o.stats_ == StatsSource::auto_ && ctx.training && rm.defined();

  // SyncBN collectives run in training only (eval, like PyTorch's, is per process).
  const std::shared_ptr<ProcessGroup> pg = process_group_ptr();
  const bool batch_axes = o.axes_ == NormAxes::batch;
  const bool across = use_batch && batch_axes && o.sync_ && ctx.training && pg->size() > 1;
  const bool tree = use_batch && batch_axes && deterministic();
  double count = static_cast<double>(p.count());
  Stats st;
  if (use_batch) {
    Moments mo = batch_moments(x, p, across, tree, *pg);  // exact (double), for the running update
    count = mo.count;
    if (batch_axes && o.reject_single_value_)
      JANUS_CHECK(count > 1, "{}: Expected more than 1 value per channel when training, got input size {}{}", what,
                  shape_str(x.shape()),
                  across ? fmt::format(" ({} values per channel over all {} ranks)", count, pg->size()) : "");
    st = batch_stats(x, p, o, mo.mean, mo.var, count);
    if (update) update_running(rm, rv, nbt, p, o, mo.mean, mo.var, count);
  } else {
    JANUS_CHECK(rm.defined(), "{}: stats=running but no running_mean/running_var were given (input {})", what,
                shape_str(x.shape()));
    st.mean.resize(p.rows);
    st.r.resize(p.rows);
    st.k.assign(p.rows, 0.0);
    const float *pm = rm.data(), *pv = rv.data();
    for (int64_t row = 0; row < p.rows; ++row) {
      const int64_t c = o.axes_ == NormAxes::batch ? row : row % p.c;
      const double v = pv[c];
      JANUS_CHECK(std::isfinite(pm[c]) && std::isfinite(v) && v >= 0.0,
                  "{}: running statistics of channel {} are invalid (mean {}, var {}) for input {}", what, c,
                  pm[c], v, shape_str(x.shape()));
      st.mean[row] = pm[c];
      st.r[row] = static_cast<float>(o.eps_placement_ == EpsPlacement::inside ? 1.0 / std::sqrt(v + o.eps_)
                                                                               : 1.0 / (std::sqrt(v) + o.eps_));
    }
  }

  Tensor out = empty(x.shape());
  norm_detail::norm_apply(out.data(), x.data(), st.mean.data(), st.r.data(), w.defined() ? w.data() : nullptr,
                          b.defined() ? b.data() : nullptr, p, o.relu_);

  auto saved = std::make_shared<Stats>(std::move(st));
  const Tensor xd = x.detach(), wd = w.defined() ? w.detach() : Tensor();
  // With ReLU, backward recomputes the mask from x, weight and bias (norm_kernels.h); layer
  // norm reads it from the output.
  const Tensor bd = o.relu_ && b.defined() ? b.detach() : Tensor();
  const Tensor yd = o.relu_ && p.per_element_affine() ? out.detach() : Tensor();
  const bool relu = o.relu_;
  const Shape ws = w.defined() ? w.shape() : Shape{}, bs = b.defined() ? b.shape() : Shape{};
  record(out, "normalize", {x, w, b}, [=](const Tensor& g, const std::vector<bool>& needs) {
    // dx is affine in (dy, x) element by element, so it may overwrite dy's buffer when the
    // engine hands over a gradient nobody else holds: no allocation, a smaller working set.
    // Not for layer norm: its dgamma/dbeta pass reads dy after dx is written.
    const bool exclusive = !p.per_element_affine() && is_exclusive(g);
    Tensor dx = needs[0] ? (exclusive ? g : empty(xd.shape())) : Tensor();
    Tensor dw = needs[1] ? empty(ws) : Tensor();
    Tensor db = needs[2] ? empty(bs) : Tensor();
    float *pdx = dx.defined() ? dx.data() : nullptr, *pdw = dw.defined() ? dw.data() : nullptr,
          *pdb = db.defined() ? db.data() : nullptr;
    const float* pw = wd.defined() ? wd.data() : nullptr;
    const float* pb = bd.defined() ? bd.data() : nullptr;
    if (across || tree) {
      norm_detail::GlobalBackward gb;
      gb.count = count;
      gb.tree = tree;
      if (across) {
        gb.reduce = [pg, tree](double* sums, int64_t n) {
          if (tree) allreduce_sum_ordered(*pg, sums, n);
          else pg->allreduce_sum(sums, n);
        };
      }
      norm_detail::norm_backward_global(pdx, pdw, pdb, g.data(), xd.data(), saved->mean.data(), saved->r.data(),
                                        saved->k.data(), pw, pb, p, relu, gb);
    } else {
      norm_detail::norm_backward(pdx, pdw, pdb, g.data(), xd.data(), yd.defined() ? yd.data() : nullptr,
                                 saved->mean.data(), saved->r.data(), saved->k.data(), pw, pb, p, use_batch, relu);
    }
    return std::vector<Tensor>{dx, dw, db};
  });
  return out;
}

}  // namespace

JANUS_REGISTER_OP(normalize, {"normalize", normalize_forward, /*mode_dependent=*/true, /*mutates_inputs=*/true});

// ---- public API ------------------------------------------------------------------------------

Tensor normalize(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                 const Tensor& running_var, const Tensor& num_batches_tracked, const NormOptions& options,
                 bool training) {
  RunContext ctx;
  ctx.training = training;
  return call_op("normalize", {x, weight, bias, running_mean, running_var, num_batches_tracked}, options.to_attrs(),
                 ctx);
}

Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps) {
  return normalize(x, weight, bias, running_mean, running_var, Tensor(),
                   NormOptions::torch_batch_norm().momentum(momentum).eps(eps), training);
}

Tensor batch_norm_relu(const Tensor& x, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                       const Tensor& bias, bool training, double momentum, double eps) {
  return normalize(x, weight, bias, running_mean, running_var, Tensor(),
                   NormOptions::torch_batch_norm().momentum(momentum).eps(eps).relu(true), training);
}

Tensor group_norm(const Tensor& x, int64_t groups, const Tensor& weight, const Tensor& bias, double eps) {
  return normalize(x, weight, bias, Tensor(), Tensor(), Tensor(), NormOptions::torch_group_norm(groups).eps(eps),
                   true);
}

Tensor layer_norm(const Tensor& x, int64_t normalized_ndim, const Tensor& weight, const Tensor& bias, double eps) {
  return normalize(x, weight, bias, Tensor(), Tensor(), Tensor(),
                   NormOptions::torch_layer_norm(normalized_ndim).eps(eps), true);
}

Tensor instance_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps) {
  return normalize(x, weight, bias, Tensor(), Tensor(), Tensor(), NormOptions::torch_instance_norm().eps(eps), true);
}

}  // namespace janus
