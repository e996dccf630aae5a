// nn::Conv2d, nn::MaxPool2d and nn::AvgPool2d with (h, w) pairs and ceil_mode: weight
// shapes, forward equal to the core ops, repr as torch 1.13 prints it, per-axis checks.
#include <janus/core/ops.h>
#include <janus/core/random.h>
#include <janus/layers/conv.h>
#include <janus/layers/pool.h>

#include <catch2/catch.hpp>
#include <close.h>

using namespace janus;
using namespace janus::testing;  // close.h

TEST_CASE("Conv2d takes (h, w) kernel, stride, padding and dilation", "[conv][pairs]") {
  Generator gen(3);
  nn::Conv2d conv(nn::Conv2dOptions(2, 3, {3, 1}).stride({2, 1}).padding({1, 0}).generator(&gen));
  CHECK(conv.weight.shape() == Shape{3, 2, 3, 1});
  // torch: Conv2d(2, 3, kernel_size=(3, 1), stride=(2, 1), padding=(1, 0))
  CHECK(conv.repr() == "Conv2d(2, 3, kernel_size=(3, 1), stride=(2, 1), padding=(1, 0))");
  const Tensor x = randn({2, 2, 7, 5}, &gen);
  const Tensor y = conv(x);
  CHECK(y.shape() == Shape{2, 3, 4, 5});
  CHECK_THAT(y, IsIdentical(conv2d(x, conv.weight, conv.bias, Conv2dOptions().stride({2, 1}).padding({1, 0}))));
  CHECK(nn::Conv2d(nn::Conv2dOptions(1, 1, 3).dilation({2, 1})).repr() ==
        "Conv2d(1, 1, kernel_size=(3, 3), stride=(1, 1), dilation=(2, 1))");
  CHECK_THROWS_WITH(nn::Conv2d(nn::Conv2dOptions(1, 1, {3, 0})), Catch::Contains("kernel_size=(3, 0)"));
  CHECK_THROWS_WITH(nn::Conv2d(nn::Conv2dOptions(1, 1, {1, 5}))(ones({1, 1, 4, 4})),
                    Catch::Contains("smaller than the (dilated) kernel 1x5"));
}

TEST_CASE("pooling layers take pairs and ceil_mode and print them as torch does", "[pool][pairs]") {
  nn::MaxPool2d mp(Pool2dOptions({3, 2}).stride({2, 1}).padding({1, 0}).ceil_mode(true));
  CHECK(mp.repr() == "MaxPool2d(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), dilation=1, ceil_mode=True)");
  CHECK(nn::MaxPool2d({2, 3}).repr() == "MaxPool2d(kernel_size=(2, 3), stride=(2, 3), padding=0, dilation=1, ceil_mode=False)");
  CHECK(nn::MaxPool2d(Pool2dOptions(2).ceil_mode(true)).repr() ==
        "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=True)");
  const Tensor x = arange(0, 35).reshape({1, 1, 5, 7});
  CHECK(nn::MaxPool2d(Pool2dOptions(2).ceil_mode(true))(x).shape() == Shape{1, 1, 3, 4});
  CHECK(nn::MaxPool2d(2)(x).shape() == Shape{1, 1, 2, 3});
  nn::AvgPool2d ap(Pool2dOptions(3).stride(2).ceil_mode(true).count_include_pad(false));
  // torch prints only kernel_size, stride and padding for AvgPool2d; janus adds the flags
  // that are not at their defaults.
  CHECK(ap.repr() == "AvgPool2d(kernel_size=3, stride=2, padding=0, ceil_mode=True, count_include_pad=False)");
  CHECK_THAT(ap(x), IsIdentical(avg_pool2d(x, Pool2dOptions(3).stride(2).ceil_mode(true).count_include_pad(false))));
  CHECK(ap(x).shape() == Shape{1, 1, 2, 3});
  CHECK_THROWS_WITH(nn::AvgPool2d(Pool2dOptions({2, 4}).padding({0, 3})), Catch::Contains("at most half"));
  CHECK_THROWS_WITH(nn::MaxPool2d({2, 9})(x), Catch::Contains("smaller than the 2x9 window"));
}
