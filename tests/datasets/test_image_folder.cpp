// Image-folder loader: PNGs written here (grey, grey+alpha, RGB, RGBA) decoded by stb,
// converted to RGB or kept, resized bilinearly or rejected, damaged files and empty
// classes named in errors, and the real photos in shared/data when present.
#include <janus/datasets/image_folder.h>

#include <catch2/catch.hpp>

#include "data_files.h"
#include "fixtures.h"

#include <filesystem>

using namespace janus::datasets;
using janus::testing::Bytes;
using janus::testing::TempDir;
using janus::testing::pattern_pixels;
using janus::testing::png_bytes;
using janus::testing::write_bytes;

TEST_CASE("image folder decodes PNGs into RGB planes with sorted classes", "[datasets]") {
  TempDir dir;
  write_bytes(dir.file("zebra/b.png"), png_bytes(4, 3, 3, pattern_pixels(4, 3, 3, 1)));
  write_bytes(dir.file("zebra/a.png"), png_bytes(4, 3, 4, pattern_pixels(4, 3, 4, 2)));
  write_bytes(dir.file("ant/x.png"), png_bytes(4, 3, 1, pattern_pixels(4, 3, 1, 3)));
  write_bytes(dir.file("ant/notes.txt"), {'h', 'i'});
  write_bytes(dir.file("bee/y.PNG"), png_bytes(4, 3, 2, pattern_pixels(4, 3, 2, 4)));
  Dataset d = load_image_folder(dir.str());
  REQUIRE(d.image_shape() == janus::Shape{4, 3, 3, 4});
  CHECK(d.class_names() == std::vector<std::string>{"ant", "bee", "zebra"});
  CHECK(d.labels() == std::vector<int32_t>{0, 1, 2, 2});
  const uint8_t* px = d.pixels();
  // Image 0 (ant/x.png, grey): every channel equals the grey value (3 + 3y + 5x) % 256.
  CHECK(px[0 * 12 + 1 * 4 + 2] == 3 + 3 + 10);
  CHECK(px[1 * 12 + 1 * 4 + 2] == 3 + 3 + 10);
  CHECK(px[2 * 12 + 1 * 4 + 2] == 3 + 3 + 10);
  // Image 2 (zebra/a.png, RGBA): alpha dropped, G plane at (y=2, x=3) is 2 + 6 + 15 + 60.
  CHECK(px[2 * 36 + 1 * 12 + 2 * 4 + 3] == 83);
  // Image 3 (zebra/b.png, RGB): B plane at (0, 0) is 1 + 120.
  CHECK(px[3 * 36 + 2 * 12] == 121);
}

TEST_CASE("image folder keeps channels when asked and rejects a mix", "[datasets]") {
  TempDir dir;
  write_bytes(dir.file("a/1.png"), png_bytes(2, 2, 1, pattern_pixels(2, 2, 1, 0)));
  write_bytes(dir.file("b/1.png"), png_bytes(2, 2, 1, pattern_pixels(2, 2, 1, 9)));
  Dataset d = load_image_folder(dir.str(), ImageFolderOptions().keep_channels(true));
  CHECK(d.image_shape() == janus::Shape{2, 1, 2, 2});
  write_bytes(dir.file("b/2.png"), png_bytes(2, 2, 4, pattern_pixels(2, 2, 4, 9)));
  CHECK_THROWS_WITH(load_image_folder(dir.str(), ImageFolderOptions().keep_channels(true)),
                    Catch::Contains("2.png") && Catch::Contains("4 channels"));
}

TEST_CASE("image folder resizes bilinearly or rejects differing sizes", "[datasets]") {
  TempDir dir;
  write_bytes(dir.file("a/big.png"), png_bytes(8, 8, 3, Bytes(8 * 8 * 3, 200)));
  write_bytes(dir.file("b/small.png"), png_bytes(4, 4, 3, pattern_pixels(4, 4, 3, 0)));
  CHECK_THROWS_WITH(load_image_folder(dir.str()),
                    Catch::Contains("small.png") && Catch::Contains("4x4") &&
                        Catch::Contains("8x8") && Catch::Contains("resize"));
  Dataset d = load_image_folder(dir.str(), ImageFolderOptions().resize(4, 4));
  REQUIRE(d.image_shape() == janus::Shape{2, 3, 4, 4});
  for (int k = 0; k < 48; ++k) CHECK(d.pixels()[k] == 200);  // constant stays constant
  // Same size: untouched.
  CHECK(d.pixels()[48 + 5] == (3 * 1 + 5 * 1) % 256);
}

TEST_CASE("bilinear resize interpolates between pixel centres", "[datasets]") {
  DecodedImage img;
  img.height = 1;
  img.width = 2;
  img.channels = 1;
  img.pixels = {0, 100};
  DecodedImage up = resize_bilinear(img, 1, 4);
  // Output centres map to source x = -0.25, 0.25, 0.75, 1.25 (clamped to 0..1).
  CHECK(up.pixels == std::vector<uint8_t>{0, 25, 75, 100});
  DecodedImage down = resize_bilinear(up, 1, 2);
  CHECK(down.pixels == std::vector<uint8_t>{13, 88});
}

TEST_CASE("image folder rejects corrupt images and empty class folders", "[datasets]") {
  TempDir dir;
  write_bytes(dir.file("a/ok.png"), png_bytes(2, 2, 3, pattern_pixels(2, 2, 3, 0)));
  std::filesystem::create_directories(dir.file("empty_class"));
  CHECK_THROWS_WITH(load_image_folder(dir.str()),
                    Catch::Contains("empty_class") && Catch::Contains("no images"));
  std::filesystem::remove(dir.file("empty_class"));
  Bytes png = png_bytes(2, 2, 3, pattern_pixels(2, 2, 3, 0));
  write_bytes(dir.file("b/cut.png"), Bytes(png.begin(), png.begin() + 30));
  CHECK_THROWS_WITH(load_image_folder(dir.str()),
                    Catch::Contains("cut.png") && Catch::Contains("cannot decode"));
  write_bytes(dir.file("b/cut.png"), {'n', 'o', 't', ' ', 'a', 'n', ' ', 'i', 'm', 'a', 'g', 'e'});
  CHECK_THROWS_WITH(load_image_folder(dir.str()), Catch::Contains("cut.png"));
  write_bytes(dir.file("b/cut.png"), {});
  CHECK_THROWS_WITH(load_image_folder(dir.str()),
                    Catch::Contains("cut.png") && Catch::Contains("empty"));
  CHECK_THROWS_WITH(load_image_folder(dir.file("nowhere")),
                    Catch::Contains("nowhere") && Catch::Contains("does not exist"));
  TempDir flat;
  write_bytes(flat.file("loose.png"), png);
  CHECK_THROWS_WITH(load_image_folder(flat.str()), Catch::Contains("no class sub-folders"));
}

TEST_CASE("image folder real photos from shared data", "[datasets]") {
  const std::string root = janus::testing::shared_data_dir() + "/image-folder";
  if (!std::filesystem::exists(root + "/cifar10-jpg-32px/train")) {
    WARN("shared image-folder data absent at " << root << ": skipped");
    return;
  }
  Dataset jpg = load_image_folder(root + "/cifar10-jpg-32px/train");
  CHECK(jpg.image_shape() == janus::Shape{30, 3, 32, 32});
  CHECK(jpg.class_names() == std::vector<std::string>{"airplane", "automobile", "bird", "cat",
                                                      "deer", "dog", "frog", "horse", "ship",
                                                      "truck"});
  for (int64_t c : jpg.class_counts()) CHECK(c == 3);
  Dataset png = load_image_folder(root + "/convnetjs2-png-64px-rgba");
  CHECK(png.image_shape() == janus::Shape{9, 3, 64, 64});
  Dataset small = load_image_folder(root + "/convnetjs2-png-64px-rgba",
                                    ImageFolderOptions().resize(32, 32));
  CHECK(small.image_shape() == janus::Shape{9, 3, 32, 32});
  Dataset rgba = load_image_folder(root + "/convnetjs2-png-64px-rgba",
                                   ImageFolderOptions().keep_channels(true));
  CHECK(rgba.channels() == 4);
  // Alpha is 255 everywhere in these files.
  for (int64_t k = 3 * 64 * 64; k < 4 * 64 * 64; ++k) REQUIRE(rgba.pixels()[k] == 255);
}
