// keras::layers::Lambda: a user's function of janus ops as a layer. It sees Keras'
// channels-last tensors, so an image is permuted NCHW -> NHWC before it and back after it
// (explicit layout nodes in the traced graph); its output shape comes from one run on zeros.
#include <janus/core/autograd.h>
#include <janus/core/ops.h>
#include <janus/keras/layers.h>

#include "keras_internal.h"

namespace janus::keras::layers {

Shape Lambda::build(const Shape& in) {
  JANUS_CHECK(static_cast<bool>(function_), "{}: the function is empty", describe());
  Shape example{1};
  for (int64_t v : in) example.push_back(v);
  Tensor out;
  {
    NoGradGuard ng;
    try {
      out = function_(zeros(example));
    } catch (const Error& e) {
      JANUS_FAIL("{}: the function fails on an input {}: {}", describe(), keras_shape(in), e.what());
    }
  }
  JANUS_CHECK(out.defined() && out.dim() >= 1 && out.size(0) == 1,
              "{}: the function must keep the batch axis (input {} gave {})", describe(), keras_shape(in),
              out.defined() ? shape_str(out.shape()) : std::string("an undefined tensor"));
  JANUS_CHECK(out.dim() == 2 || out.dim() == 4, "{}: the function must return (N, features) or (N, H, W, C) (got "
              "{} for input {})", describe(), shape_str(out.shape()), keras_shape(in));
  const Shape shape(out.shape().begin() + 1, out.shape().end());
  return finish_build(in, shape);
}

Tensor Lambda::call(const Tensor& x, const RunContext&) {
  const Tensor y = function_(x.dim() == 4 ? nchw_to_nhwc(x) : x);
  return y.dim() == 4 ? nhwc_to_nchw(y) : y;
}

}  // namespace janus::keras::layers
