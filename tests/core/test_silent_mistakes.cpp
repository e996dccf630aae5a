// Mistakes that used to pass without a word and now raise a janus::Error that says what is
// wrong: copy_ between different shapes of one element count, an optimizer over no
// parameters, and a trace that would freeze a tensor requiring grad into a constant.
#include <catch2/catch.hpp>

#include <janus/core/graph.h>
#include <janus/core/ops.h>
#include <janus/core/optim/optim.h>

using namespace janus;
using Catch::Matchers::Contains;

TEST_CASE("copy_ between shapes with the same element count is an error naming both", "[tensor][errors]") {
  Tensor dst = zeros({4});
  const Tensor src = from_vector({1, 2, 3, 4}, {2, 2});
  CHECK_THROWS_WITH(dst.copy_(src), Contains("[2, 2]") && Contains("[4]") && Contains("reshape"));
  CHECK(dst.to_vector() == std::vector<float>{0, 0, 0, 0});  // nothing was copied
  CHECK_THROWS_AS(dst.copy_(zeros({3})), Error);
  dst.copy_(src.reshape({4}));  // the explicit way
  CHECK(dst.to_vector() == std::vector<float>{1, 2, 3, 4});
}

TEST_CASE("optimizers reject an empty parameter list", "[optim][errors]") {
  const std::vector<Tensor> none;
  CHECK_THROWS_WITH(optim::SGD(none, optim::SGDOptions(0.1)), Contains("SGD: optimizer got an empty parameter list"));
  CHECK_THROWS_WITH(optim::Adam(none, optim::AdamOptions()), Contains("optimizer got an empty parameter list"));
  CHECK_THROWS_WITH(optim::AdamW(none, optim::AdamWOptions()), Contains("optimizer got an empty parameter list"));
  CHECK_THROWS_WITH(optim::RMSprop(none, optim::RMSpropOptions()), Contains("optimizer got an empty parameter list"));
  optim::SGD ok({zeros({2}).requires_grad_()}, optim::SGDOptions(0.1));
  CHECK(ok.param_groups()[0].params.size() == 1);
}

TEST_CASE("trace refuses to freeze a tensor that requires grad into a constant", "[graph][errors]") {
  const Tensor w = ones({3, 2}).requires_grad_();  // meant as a parameter, not passed as one
  const Tensor x = ones({4, 3});
  const TraceFn fn = [&](const std::vector<Tensor>& in) { return std::vector<Tensor>{matmul(in[0], w)}; };
  CHECK_THROWS_WITH(trace(fn, {x}, {}),
                    Contains("requires grad") && Contains("@const0") && Contains("[3, 2]") &&
                        Contains("did you forget register_parameter / register_module?"));
  // Passed as a parameter it traces; a tensor that does not require grad is still a constant.
  const Graph g = trace(fn, {x}, {{"w", w}});
  CHECK(g.parameter_count() == 6);
  const Tensor c = ones({3, 2});
  const Graph gc = trace([&](const std::vector<Tensor>& in) { return std::vector<Tensor>{matmul(in[0], c)}; }, {x}, {});
  CHECK(gc.dump().find("@const0") != std::string::npos);
}
