// require_close: the golden-value comparison the op and layer tests share. Fails the
// test (REQUIRE) on a shape mismatch or when |got - want| > atol + rtol * |want|
// anywhere, printing `what`, both shapes and the largest difference.
#pragma once

#include <janus/core/tensor.h>

#include <string>

namespace janus::testing {

void require_close(const Tensor& got, const Tensor& want, const std::string& what, float rtol = 1e-5f,
                   float atol = 1e-5f);

}  // namespace janus::testing
