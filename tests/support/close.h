// The suite's tolerance policy (docs/testing.md): every float comparison in tests/ goes
// through these matchers, so a failure prints the numbers and a bound says why it is what it is.
//   CHECK_THAT(got, IsIdentical(want));                    // two paths promised the same bits
//   CHECK_THAT(got, IsClose(want, accumulation(2048)));    // |got - want| <= atol + rtol * max|want|
//   CHECK_THAT(got, IsCloseEach(want, Tol{1e-5, 1e-5}));    // |got_i - want_i| <= atol + rtol * |want_i|
//   CHECK_THAT(loss.item(), IsCloseTo(2.3026, accumulation(10)));
// rtol comes from float32 rounding: two float32 computations that sum the same `depth` terms in
// different orders (another kernel, another thread split, another layout) each err by at most
// (depth - 1) * eps/2 of the terms' size, so they differ by at most depth * eps relative to it
// (eps = 2^-23, 1.19e-7). A NaN anywhere, or differing shapes, always fails.
#pragma once

#include <janus/core/tensor.h>

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

namespace janus::testing {

inline constexpr double kFloatEps = 1.1920928955078125e-07;  // 2^-23, float32 machine epsilon

// A tolerance: a difference up to atol + rtol * (the reference's size) passes.
struct Tol {
  double rtol = 0.0;
  double atol = 0.0;
};

// rtol = depth * eps for results whose computations sum `depth` float32 terms in different
// orders (depth: the longest reduction on the path, e.g. the fan-in of a layer, or the sum of
// the fan-ins along a backward chain); atol for values that may legitimately be ~0.
Tol accumulation(int64_t depth, double atol = 0.0);

// Norm-wise: max_i |got_i - want_i| <= atol + rtol * max_i |want_i|. The default for whole
// tensors (outputs, gradients): small entries beside large ones carry the large ones' rounding.
class IsClose : public Catch::MatcherBase<Tensor> {
 public:
  IsClose(Tensor want, Tol tol) : want_(std::move(want)), tol_(tol) {}
  bool match(const Tensor& got) const override;
  std::string describe() const override;

 private:
  Tensor want_;
  Tol tol_;
  mutable std::string report_;
};

// Element-wise: |got_i - want_i| <= atol + rtol * |want_i| for every i (golden values of one op).
class IsCloseEach : public Catch::MatcherBase<Tensor> {
 public:
  IsCloseEach(Tensor want, Tol tol) : want_(std::move(want)), tol_(tol) {}
  bool match(const Tensor& got) const override;
  std::string describe() const override;

 private:
  Tensor want_;
  Tol tol_;
  mutable std::string report_;
};

// Bit-identical (same shape, same float bits; a NaN equals nothing). Reports how many
// elements differ and the first one, with its index and both values.
class IsIdentical : public Catch::MatcherBase<Tensor> {
 public:
  explicit IsIdentical(Tensor want) : want_(std::move(want)) {}
  bool match(const Tensor& got) const override;
  std::string describe() const override;

 private:
  Tensor want_;
  mutable std::string report_;
};

// Scalars: |got - want| <= atol + rtol * |want|.
class IsCloseTo : public Catch::MatcherBase<double> {
 public:
  IsCloseTo(double want, Tol tol) : want_(want), tol_(tol) {}
  bool match(const double& got) const override;
  std::string describe() const override;

 private:
  double want_;
  Tol tol_;
};

// REQUIRE(got IsCloseEach want) with `what` in the message: the golden-value comparison.
void require_close(const Tensor& got, const Tensor& want, const std::string& what, float rtol = 1e-5f,
                   float atol = 1e-5f);

}  // namespace janus::testing

// Tensors print as their shape in Catch's messages (the matchers print the numbers that matter).
template <>
struct Catch::StringMaker<janus::Tensor> {
  static std::string convert(const janus::Tensor& t);
};
