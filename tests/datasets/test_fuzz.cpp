// Randomized fuzzing of the CIFAR, IDX (raw and gzip) and image parsers over mutated and
// truncated small inputs made here: each must return a result or throw janus::Error,
// never another exception and never crash. Seeded, so a failure reproduces.
#include <janus/core/random.h>
#include <janus/datasets/cifar.h>
#include <janus/datasets/image_folder.h>
#include <janus/datasets/mnist.h>

#include <catch2/catch.hpp>

#include "data_files.h"

using namespace janus::datasets;
using janus::testing::Bytes;

namespace {

// Flips, overwrites, inserts or deletes a few random bytes, or truncates.
Bytes mutate(const Bytes& in, janus::Generator& g) {
  Bytes b = in;
  const int edits = 1 + static_cast<int>(g.below(4));
  for (int e = 0; e < edits; ++e) {
    const uint64_t op = g.below(5);
    const size_t pos = b.empty() ? 0 : static_cast<size_t>(g.below(b.size()));
    if (op == 0 && !b.empty()) b[pos] ^= static_cast<uint8_t>(1u << g.below(8));
    if (op == 1 && !b.empty()) b[pos] = static_cast<uint8_t>(g.below(256));
    if (op == 2) b.insert(b.begin() + static_cast<std::ptrdiff_t>(pos), static_cast<uint8_t>(g.below(256)));
    if (op == 3 && !b.empty()) b.erase(b.begin() + static_cast<std::ptrdiff_t>(pos));
    if (op == 4) b.resize(static_cast<size_t>(g.below(b.size() + 1)));
  }
  return b;
}

// Runs f; any janus::Error is fine, anything else fails the test.
template <typename F>
int run_expecting_error_or_success(F&& f) {
  try {
    f();
    return 0;
  } catch (const janus::Error&) {
    return 1;
  }
}

}  // namespace

TEST_CASE("fuzz cifar10 parser", "[datasets]") {
  janus::Generator g(101);
  const Bytes seed = janus::testing::cifar_records({1, 9});
  int errors = 0;
  for (int it = 0; it < 300; ++it) {
    const Bytes b = mutate(seed, g);
    errors += run_expecting_error_or_success(
        [&] { parse_cifar10(b, "fuzz.bin", cifar10_class_names()); });
  }
  CHECK(errors > 50);  // truncations and inserted bytes must be caught
}

TEST_CASE("fuzz idx parser raw and gzipped", "[datasets]") {
  janus::Generator g(202);
  const Bytes images = janus::testing::idx_bytes({2, 3, 4});
  const Bytes labels = janus::testing::idx_bytes({5});
  janus::testing::TempDir dir;
  int errors = 0;
  for (int it = 0; it < 300; ++it) {
    const Bytes a = mutate(images, g), l = mutate(labels, g);
    errors += run_expecting_error_or_success([&] { parse_idx(a, 3, "fuzz.idx"); });
    errors += run_expecting_error_or_success([&] { parse_idx(l, 1, "fuzz.idx"); });
    if (it % 3 == 0) {
      janus::testing::write_bytes(dir.file("z.gz"), mutate(janus::testing::gzip_bytes(images), g));
      errors += run_expecting_error_or_success([&] { read_idx(dir.file("z.gz"), 3); });
    }
  }
  CHECK(errors > 200);
}

TEST_CASE("fuzz image decoder on PNG inputs", "[datasets]") {
  janus::Generator g(303);
  int errors = 0;
  for (int channels = 1; channels <= 4; ++channels) {
    const Bytes png = janus::testing::png_bytes(
        5, 4, channels, janus::testing::pattern_pixels(5, 4, channels, channels));
    REQUIRE(decode_image(png, "ok.png", 3).pixels.size() == 5 * 4 * 3);
    for (int it = 0; it < 150; ++it) {
      const Bytes b = mutate(png, g);
      errors += run_expecting_error_or_success([&] {
        DecodedImage img = decode_image(b, "fuzz.png", 3);
        REQUIRE(img.pixels.size() == static_cast<size_t>(img.height * img.width * 3));
      });
    }
  }
  CHECK(errors > 100);
}
