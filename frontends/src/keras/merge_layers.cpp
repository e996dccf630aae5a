// Keras' merge layers for the functional API: Add (elementwise sum of equal shapes) and
// Concatenate (along a channels-last axis, mapped to janus' channels-first tensor). Their
// backward is that of the core add / concat ops they record.
#include <janus/core/ops.h>
#include <janus/keras/layers.h>

#include "keras_internal.h"

namespace janus::keras::layers {

namespace {

std::string list_shapes(const std::vector<Shape>& shapes) {
  std::string out;
  for (size_t i = 0; i < shapes.size(); ++i) out += fmt::format("{}input {} {}", i ? ", " : "", i, keras_shape(shapes[i]));
  return out;
}

}  // namespace

Shape Add::build(const Shape& in) {
  JANUS_FAIL("{}: a merge layer needs a list of at least 2 inputs (got one input {}); in the functional API call "
             "it as kl::Add()({{a, b}})", describe(), keras_shape(in));
}

Tensor Add::call(const Tensor& x, const RunContext& ctx) { return call_many({x}, ctx); }

Shape Add::build_many(const std::vector<Shape>& in) {
  JANUS_CHECK(in.size() >= 2, "{}: needs at least 2 inputs (got {})", describe(), in.size());
  for (size_t i = 1; i < in.size(); ++i)
    JANUS_CHECK(in[i] == in[0], "{}: inputs must have the same shape, but input 0 is {} and input {} is {} "
                "(janus' Add does not broadcast; all inputs: {})", describe(), keras_shape(in[0]), i,
                keras_shape(in[i]), list_shapes(in));
  return finish_build(in[0], in[0]);
}

Tensor Add::call_many(const std::vector<Tensor>& xs, const RunContext&) {
  JANUS_CHECK(xs.size() >= 2, "{}: needs at least 2 inputs (got {})", describe(), xs.size());
  Tensor sum = xs[0] + xs[1];
  for (size_t i = 2; i < xs.size(); ++i) sum = sum + xs[i];
  return sum;
}

Shape Concatenate::build(const Shape& in) {
  JANUS_FAIL("{}: a merge layer needs a list of at least 2 inputs (got one input {}); in the functional API call "
             "it as kl::Concatenate()({{a, b}})", describe(), keras_shape(in));
}

Tensor Concatenate::call(const Tensor& x, const RunContext& ctx) { return call_many({x}, ctx); }

// Keras counts the axis in the full channels-last tensor (batch axis 0); inside, an image is
// (N, C, H, W), so H, W, C of (N, H, W, C) are janus' axes 2, 3, 1.
Shape Concatenate::build_many(const std::vector<Shape>& in) {
  JANUS_CHECK(in.size() >= 2, "{}: needs at least 2 inputs (got {})", describe(), in.size());
  const int64_t rank = static_cast<int64_t>(in[0].size()) + 1;
  for (size_t i = 1; i < in.size(); ++i)
    JANUS_CHECK(static_cast<int64_t>(in[i].size()) + 1 == rank, "{}: inputs must have the same rank, but input 0 is "
                "{} and input {} is {}", describe(), keras_shape(in[0]), i, keras_shape(in[i]));
  JANUS_CHECK(rank == 2 || rank == 4, "{}: expected (features) or (height, width, channels) inputs (got {})",
              describe(), list_shapes(in));
  const int64_t a = axis_ < 0 ? axis_ + rank : axis_;
  JANUS_CHECK(a >= 1 && a < rank, "{}: axis={} is out of range for inputs of rank {} with the batch axis (expected "
              "1..{} or -1..-{}; axis 0 is the batch)", describe(), axis_, rank, rank - 1, rank - 1);
  const size_t k = static_cast<size_t>(a - 1);  // in the shape without the batch axis
  Shape out = in[0];
  for (size_t i = 1; i < in.size(); ++i) {
    for (size_t d = 0; d < in[0].size(); ++d)
      JANUS_CHECK(d == k || in[i][d] == in[0][d], "{}: inputs must match on every axis but the concatenation axis "
                  "{}, but input 0 is {} and input {} is {}", describe(), axis_, keras_shape(in[0]), i,
                  keras_shape(in[i]));
    out[k] += in[i][k];
  }
  internal_axis_ = rank == 2 ? 1 : (a == 3 ? 1 : a + 1);
  return finish_build(in[0], out);
}

Tensor Concatenate::call_many(const std::vector<Tensor>& xs, const RunContext&) {
  JANUS_CHECK(xs.size() >= 2, "{}: needs at least 2 inputs (got {})", describe(), xs.size());
  return concat(xs, internal_axis_);
}

}  // namespace janus::keras::layers
