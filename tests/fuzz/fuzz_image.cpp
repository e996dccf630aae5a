// libFuzzer target: decode_image on arbitrary bytes (format sniffed from the bytes: PNG via
// libpng, JPEG via libjpeg-turbo, BMP via janus' reader), keeping the channels and converting
// to RGB; must return or throw janus::Error.
#include <janus/core/error.h>
#include <janus/datasets/image_folder.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> bytes(data, data + size);
  try {
    const janus::datasets::DecodedImage img = janus::datasets::decode_image(bytes, "fuzz", size % 2 ? 3 : 0);
    if (img.pixels.size() != static_cast<size_t>(img.width * img.height * img.channels)) __builtin_trap();
  } catch (const janus::Error&) {
  }
  return 0;
}
