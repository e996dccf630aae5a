// JPEG through libjpeg-turbo (Debian's libjpeg62-turbo, maintained for untrusted input),
// strict: every warning about corrupt data -- a truncated file ("premature end"), a bad
// Huffman code, a missing marker -- is an error instead of grey filled-in pixels; progressive
// files are capped at 500 scans (a known CPU exhaustion) and the decoder's memory at 512 MiB.
// libjpeg reports errors by longjmp. Every libjpeg call that can fail runs inside one of the
// small helpers below, whose setjmp frame holds no C++ object that needs destroying; `armed`
// says whether such a frame is live, so a jump can never land in a frame that has returned.
#include "image_decode.h"

#include <janus/core/error.h>

#include <csetjmp>
#include <cstdlib>
#include <cstdio>
#include <cstring>

#include <jpeglib.h>
#include <jerror.h>

namespace janus::datasets::detail {

namespace {

constexpr int kMaxScans = 500;

struct JpegError {
  jpeg_error_mgr mgr;
  jmp_buf jump;
  bool armed = false;  // true only while a helper's setjmp frame is on the stack
  char message[JMSG_LENGTH_MAX + 64] = {0};
};

[[noreturn]] void fail_jump(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegError*>(cinfo->err);
  char text[JMSG_LENGTH_MAX] = {0};
  cinfo->err->format_message(cinfo, text);
  std::snprintf(err->message, sizeof err->message, "%s", text);
  if (!err->armed) std::abort();  // a libjpeg call outside the helpers: a bug in this file
  std::longjmp(err->jump, 1);
}

void on_message(j_common_ptr cinfo, int level) {
  if (level >= 0) return;  // trace messages
  // Warnings that say nothing about the pixels; every other warning means corrupt data.
  const int code = cinfo->err->msg_code;
  if (code == JWRN_ADOBE_XFORM || code == JWRN_JFIF_MAJOR || code == JWRN_BOGUS_ICC) return;
  fail_jump(cinfo);
}

void on_progress(j_common_ptr cinfo) {
  auto* d = reinterpret_cast<j_decompress_ptr>(cinfo);
  if (d->input_scan_number > kMaxScans) {
    auto* err = reinterpret_cast<JpegError*>(cinfo->err);
    std::snprintf(err->message, sizeof err->message, "more than %d progressive scans", kMaxScans);
    if (!err->armed) std::abort();
    std::longjmp(err->jump, 1);
  }
}

struct Header {
  JDIMENSION width = 0, height = 0;
  J_COLOR_SPACE space = JCS_UNKNOWN;
};

bool create(jpeg_decompress_struct& cinfo, JpegError& err) {
  if (setjmp(err.jump)) return err.armed = false;
  err.armed = true;
  jpeg_create_decompress(&cinfo);
  err.armed = false;
  return true;
}

bool read_header(jpeg_decompress_struct& cinfo, JpegError& err, const std::vector<uint8_t>& bytes, Header& h) {
  if (setjmp(err.jump)) return err.armed = false;
  err.armed = true;
  jpeg_mem_src(&cinfo, bytes.data(), static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&cinfo, TRUE);
  h.width = cinfo.image_width;
  h.height = cinfo.image_height;
  h.space = cinfo.jpeg_color_space;
  err.armed = false;
  return true;
}

bool read_pixels(jpeg_decompress_struct& cinfo, JpegError& err, uint8_t* out, JDIMENSION width, int channels) {
  if (setjmp(err.jump)) return err.armed = false;
  err.armed = true;
  jpeg_start_decompress(&cinfo);
  if (cinfo.output_width != width || cinfo.output_components != channels) {
    std::snprintf(err.message, sizeof err.message, "the decoder produced %ux%d samples per row, expected %ux%d",
                  cinfo.output_width, cinfo.output_components, width, channels);
    return err.armed = false;
  }
  const size_t row_bytes = static_cast<size_t>(width) * static_cast<size_t>(channels);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = out + static_cast<size_t>(cinfo.output_scanline) * row_bytes;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);  // reads up to EOI: a file cut after the last row is caught here
  err.armed = false;
  return true;
}

}  // namespace

DecodedImage decode_jpeg(const std::vector<uint8_t>& bytes, const std::string& path) {
  jpeg_decompress_struct cinfo;
  JpegError err;
  cinfo.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = fail_jump;
  err.mgr.emit_message = on_message;
  if (!create(cinfo, err)) JANUS_FAIL("image_folder: libjpeg could not start for '{}': {}", path, err.message);
  struct Destroy {
    jpeg_decompress_struct* c;
    ~Destroy() { jpeg_destroy_decompress(c); }
  } destroy{&cinfo};
  cinfo.mem->max_memory_to_use = 512L << 20;
  jpeg_progress_mgr progress{};
  progress.progress_monitor = on_progress;
  cinfo.progress = &progress;

  Header h;
  if (!read_header(cinfo, err, bytes, h)) JANUS_FAIL("image_folder: cannot decode JPEG '{}': {}", path, err.message);
  check_image_size(h.width, h.height, path, "JPEG");
  int channels = 3;
  if (h.space == JCS_GRAYSCALE) {
    cinfo.out_color_space = JCS_GRAYSCALE;
    channels = 1;
  } else if (h.space == JCS_YCbCr || h.space == JCS_RGB) {
    cinfo.out_color_space = JCS_RGB;
  } else {
    JANUS_FAIL("image_folder: JPEG '{}' is in a {} colour space; janus reads grey, YCbCr and RGB JPEGs", path,
               h.space == JCS_CMYK || h.space == JCS_YCCK ? "CMYK" : "an unknown");
  }
  DecodedImage img;
  img.width = h.width;
  img.height = h.height;
  img.channels = channels;
  img.pixels.resize(static_cast<size_t>(img.width * img.height * channels));  // (H, W, C)
  if (!read_pixels(cinfo, err, img.pixels.data(), h.width, channels))
    JANUS_FAIL("image_folder: cannot decode JPEG '{}': {}", path, err.message);
  return img;
}

}  // namespace janus::datasets::detail
