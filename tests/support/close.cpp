// The suite's comparison matchers (see close.h and docs/testing.md).
#include "close.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace janus::testing {

namespace {

// "[1, 0, 3]" for flat index i of a tensor of shape s (row-major).
std::string index_str(int64_t i, const Shape& s) {
  std::vector<int64_t> idx(s.size());
  for (size_t d = s.size(); d-- > 0;) {
    idx[d] = s[d] > 0 ? i % s[d] : 0;
    i = s[d] > 0 ? i / s[d] : 0;
  }
  return fmt::format("[{}]", fmt::join(idx, ", "));
}

bool same_shape(const Tensor& got, const Tensor& want, std::string& report) {
  if (got.shape() == want.shape()) return true;
  report = fmt::format("has the shape of the reference (got {}, want {})", shape_str(got.shape()),
                       shape_str(want.shape()));
  return false;
}

// The first NaN in got or want, or -1.
int64_t first_nan(const Tensor& got, const Tensor& want) {
  const float* g = got.data();
  const float* w = want.data();
  for (int64_t i = 0; i < got.numel(); ++i)
    if (std::isnan(g[i]) || std::isnan(w[i])) return i;
  return -1;
}

std::string nan_report(const Tensor& got, const Tensor& want, int64_t i) {
  return fmt::format("has no NaN (element {}: got {}, want {})", index_str(i, got.shape()), got.data()[i],
                     want.data()[i]);
}

}  // namespace

Tol accumulation(int64_t depth, double atol) {
  return Tol{static_cast<double>(std::max<int64_t>(depth, 1)) * kFloatEps, atol};
}

bool IsClose::match(const Tensor& got) const {
  if (!same_shape(got, want_, report_)) return false;
  if (const int64_t i = first_nan(got, want_); i >= 0) return report_ = nan_report(got, want_, i), false;
  const float* g = got.data();
  const float* w = want_.data();
  double scale = 0.0, worst = 0.0;
  int64_t at = 0;
  for (int64_t i = 0; i < got.numel(); ++i) {
    scale = std::max(scale, std::fabs(static_cast<double>(w[i])));
    const double d = std::fabs(static_cast<double>(g[i]) - w[i]);
    if (d > worst) worst = d, at = i;
  }
  const double bound = tol_.atol + tol_.rtol * scale;
  report_ = fmt::format("is close to the reference: max |diff| {:.6g} at {} (got {:.9g}, want {:.9g}), bound {:.6g} "
                        "= atol {:.3g} + rtol {:.3g} * max|want| {:.6g}, relative diff {:.3g}",
                        worst, index_str(at, got.shape()), got.numel() ? g[at] : 0.0f,
                        got.numel() ? w[at] : 0.0f, bound, tol_.atol, tol_.rtol, scale,
                        scale > 0 ? worst / scale : worst);
  return worst <= bound;
}

std::string IsClose::describe() const { return report_; }

bool IsCloseEach::match(const Tensor& got) const {
  if (!same_shape(got, want_, report_)) return false;
  if (const int64_t i = first_nan(got, want_); i >= 0) return report_ = nan_report(got, want_, i), false;
  const float* g = got.data();
  const float* w = want_.data();
  int64_t bad = 0, first = -1;
  double worst_ratio = 0.0;  // max |diff| / bound over the elements
  for (int64_t i = 0; i < got.numel(); ++i) {
    const double d = std::fabs(static_cast<double>(g[i]) - w[i]);
    const double bound = tol_.atol + tol_.rtol * std::fabs(static_cast<double>(w[i]));
    worst_ratio = std::max(worst_ratio, bound > 0 ? d / bound : (d > 0 ? INFINITY : 0.0));
    if (d > bound && bad++ == 0) first = i;
  }
  if (bad == 0) {
    report_ = fmt::format("is close to the reference element-wise (rtol {:.3g}, atol {:.3g})", tol_.rtol, tol_.atol);
    return true;
  }
  report_ = fmt::format("is close to the reference element-wise (rtol {:.3g}, atol {:.3g}): {} of {} elements are "
                        "not, the first at {} (got {:.9g}, want {:.9g}); worst |diff| / bound {:.3g}",
                        tol_.rtol, tol_.atol, bad, got.numel(), index_str(first, got.shape()), g[first], w[first],
                        worst_ratio);
  return false;
}

std::string IsCloseEach::describe() const { return report_; }

bool IsIdentical::match(const Tensor& got) const {
  if (!same_shape(got, want_, report_)) return false;
  const float* g = got.data();
  const float* w = want_.data();
  int64_t bad = 0, first = -1;
  for (int64_t i = 0; i < got.numel(); ++i) {
    // Compare bits, so that -0 vs +0 counts and NaN never passes.
    const bool same = std::memcmp(&g[i], &w[i], sizeof(float)) == 0 && !std::isnan(g[i]);
    if (!same && bad++ == 0) first = i;
  }
  if (bad == 0) {
    report_ = "is bit-identical to the reference";
    return true;
  }
  report_ = fmt::format("is bit-identical to the reference: {} of {} elements differ, the first at {} "
                        "(got {:.9g}, want {:.9g}, diff {:.3g})",
                        bad, got.numel(), index_str(first, got.shape()), g[first], w[first],
                        static_cast<double>(g[first]) - w[first]);
  return false;
}

std::string IsIdentical::describe() const { return report_; }

bool IsCloseTo::match(const double& got) const {
  return !std::isnan(got) && std::fabs(got - want_) <= tol_.atol + tol_.rtol * std::fabs(want_);
}

std::string IsCloseTo::describe() const {
  return fmt::format("is close to {:.9g} (bound {:.6g} = atol {:.3g} + rtol {:.3g} * |want|)", want_,
                     tol_.atol + tol_.rtol * std::fabs(want_), tol_.atol, tol_.rtol);
}

void require_close(const Tensor& got, const Tensor& want, const std::string& what, float rtol, float atol) {
  INFO(what);
  REQUIRE_THAT(got, IsCloseEach(want, Tol{rtol, atol}));
}

}  // namespace janus::testing

std::string Catch::StringMaker<janus::Tensor>::convert(const janus::Tensor& t) {
  return fmt::format("tensor of shape {}", janus::shape_str(t.shape()));
}
