// Internal: the image decoders behind decode_image, one per format janus accepts (PNG via
// libpng, JPEG via libjpeg-turbo, BMP by bmp_decode.cpp). Each gets bytes already sniffed
// as its format, checks the header's size against kMaxImagePixels before allocating, treats
// a truncated file, a bad checksum or corrupt compressed data as an error (never filled-in
// pixels) and returns the file's own channels: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA.
#pragma once

#include <janus/datasets/image_folder.h>

#include <cstdint>
#include <string>
#include <vector>

namespace janus::datasets::detail {

DecodedImage decode_png(const std::vector<uint8_t>& bytes, const std::string& path);
DecodedImage decode_jpeg(const std::vector<uint8_t>& bytes, const std::string& path);
DecodedImage decode_bmp(const std::vector<uint8_t>& bytes, const std::string& path);

// Throws unless width x height is a positive size within kMaxImagePixels.
void check_image_size(int64_t width, int64_t height, const std::string& path, const char* format);

}  // namespace janus::datasets::detail
