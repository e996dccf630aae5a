// The shared golden comparison (see close.h).
#include "close.h"

#include <catch2/catch.hpp>

namespace janus::testing {

void require_close(const Tensor& got, const Tensor& want, const std::string& what, float rtol, float atol) {
  INFO(what << ": got shape " << shape_str(got.shape()) << " want " << shape_str(want.shape())
            << ", max |diff| " << (got.shape() == want.shape() ? max_abs_diff(got, want) : -1.0f));
  REQUIRE(got.shape() == want.shape());
  REQUIRE(allclose(got, want, rtol, atol));
}

}  // namespace janus::testing
