// The functional API refuses bad graphs with a janus::Error that says what, where, and both
// sides: merge shape mismatches, outputs that do not depend on the inputs alone, unused or
// non-Input inputs, a shared layer on another shape, wrong input counts, duplicate names.
#include <catch2/catch.hpp>

#include <janus/keras/keras.h>

using namespace janus;
namespace kl = janus::keras::layers;
using Catch::Contains;

TEST_CASE("Add names both shapes when they differ", "[keras][functional][errors]") {
  auto x = keras::Input({4, 4, 3});
  auto a = kl::Conv2D(2, 1)(x);
  CHECK_THROWS_AS(kl::Add()({x, a}), Error);
  CHECK_THROWS_WITH(kl::Add()({x, a}), Contains("add (Add)") && Contains("input 0 is (None, 4, 4, 3)") &&
                                           Contains("input 1 is (None, 4, 4, 2)"));
  CHECK_THROWS_WITH(kl::Concatenate()({x, kl::Flatten()(x)}), Contains("same rank") &&
                                                                  Contains("(None, 4, 4, 3)") && Contains("(None, 48)"));
  CHECK_THROWS_WITH(kl::Concatenate(1)({x, a}), Contains("every axis but the concatenation axis 1") &&
                                                    Contains("(None, 4, 4, 2)"));
  CHECK_THROWS_WITH(kl::Concatenate(0)({x, x}), Contains("axis 0 is the batch"));
  CHECK_THROWS_WITH(kl::Add()(x), Contains("at least 2 inputs"));
  CHECK_THROWS_WITH(kl::Dense(2)({x, x}), Contains("takes one input (got a list of 2"));
  CHECK_THROWS_WITH(kl::Dense(2)(x), Contains("dense (Dense) called on (None, 4, 4, 3)") &&
                                         Contains("expected a flat input"));
  // In a Sequential, a merge layer says it needs a list.
  CHECK_THROWS_WITH(keras::Sequential({kl::Input({3}), kl::Add()}), Contains("needs a list of at least 2 inputs"));
}

TEST_CASE("Model refuses outputs not reachable from its inputs and unused inputs", "[keras][functional][errors]") {
  auto x1 = keras::Input({3}), x2 = keras::Input({3});
  auto y = kl::Dense(2)(x2);
  CHECK_THROWS_AS(keras::Model(x1, y), Error);
  CHECK_THROWS_WITH(keras::Model(x1, y), Contains("Model \"functional\": output 0 (None, 2) (from Dense) is not "
                                                  "reachable from the model's inputs") &&
                                             Contains("Graph disconnected"));
  CHECK_THROWS_WITH(keras::Model({x1, x2}, kl::Dense(2)(x1)), Contains("input 1 (None, 3) is not used by any output"));
  CHECK_THROWS_WITH(keras::Model(y, kl::Dense(1)(y)), Contains("input 0 (None, 2) is the output of Dense, not a "
                                                               "keras::Input tensor"));
  CHECK_THROWS_WITH(keras::Model({x1, x1}, kl::Dense(1)(x1)), Contains("input 1 is listed twice"));
  CHECK_THROWS_WITH(keras::Model(x1, keras::KerasTensor()), Contains("output 0 is an undefined KerasTensor"));
  // A merge of an input with a branch from another input: still refused, naming the input.
  auto z = kl::Add()({kl::Dense(3)(x1), x2});
  CHECK_THROWS_WITH(keras::Model(x1, z), Contains("depends on the input InputLayer (None, 3)"));
  CHECK_NOTHROW(keras::Model({x1, x2}, z));
}

TEST_CASE("a shared layer must see the same shapes; names must be unique", "[keras][functional][errors]") {
  auto a = keras::Input({3}), b = keras::Input({5});
  kl::Dense dense(2);
  dense(a);
  CHECK_THROWS_WITH(dense(b), Contains("already built for input (None, 3) and is now called on (None, 5)"));
  auto x = keras::Input({3});
  auto first = std::make_shared<kl::Dense>(2);
  first->set_name("head");
  auto second = std::make_shared<kl::Dense>(2);
  second->set_name("head");
  auto y = kl::Add()({(*first)(x), (*second)(x)});
  CHECK_THROWS_WITH(keras::Model(x, y), Contains("two layers are named \"head\""));
  // An InputLayer cannot be called; a model with two inputs has no single input_shape().
  kl::Input input({3});
  CHECK_THROWS_WITH(input(x), Contains("an InputLayer cannot be called"));
  auto c = keras::Input({3});
  keras::Model two({x, c}, kl::Add()({x, c}));
  CHECK_THROWS_WITH(two.input_shape(), Contains("has 2 inputs"));
  CHECK_THROWS_WITH(two.predict(std::vector<Tensor>{zeros({2, 3})}), Contains("has 2 inputs but got 1"));
  // A layer's weights before it is built: an error, not a null dereference.
  CHECK_THROWS_WITH(kl::Dense(2).get_weights(), Contains("the layer is not built"));
}
