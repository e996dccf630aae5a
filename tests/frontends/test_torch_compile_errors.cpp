// torch::compile on a module that holds a trainable tensor it never registered: an error
// with the registration hint, instead of a graph that freezes the tensor into a constant.
#include <catch2/catch.hpp>

#include <janus/torch/torch.h>

using namespace janus;
namespace tnn = janus::torch::nn;
using Catch::Matchers::Contains;

namespace {
// fc is registered; scale requires grad but was never passed to register_parameter.
struct Forgetful : nn::Module {
  explicit Forgetful(bool register_scale) : Module("Forgetful") {
    fc = register_module("fc", std::make_shared<tnn::Linear>(3, 2));
    scale = ones({2}).requires_grad_();
    if (register_scale) scale = register_parameter("scale", scale);
  }
  Tensor forward(const Tensor& x) override { return mul((*fc)(x), scale); }
  std::shared_ptr<tnn::Linear> fc;
  Tensor scale;
};
}  // namespace

TEST_CASE("torch compile rejects a requires-grad tensor that is not a registered parameter", "[torch][errors]") {
  const Tensor x = ones({4, 3});
  CHECK_THROWS_WITH(torch::compile(std::make_shared<Forgetful>(false), x),
                    Contains("torch::compile") && Contains("requires grad") && Contains("@const0") &&
                        Contains("did you forget register_parameter / register_module?"));
  auto registered = std::make_shared<Forgetful>(true);
  auto compiled = torch::compile(registered, x);
  CHECK(compiled.graph().parameter_count() == registered->num_parameters());
  CHECK(compiled.graph().dump().find("@const") == std::string::npos);
}
