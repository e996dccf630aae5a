// janus::excerpt (error.h): quoting untrusted text in messages.
#include <janus/core/error.h>

#include <cstdint>

namespace janus {

namespace {

// The code point of the UTF-8 sequence at s[i] and its length, or length 0 where the bytes
// there are not well-formed UTF-8 (stray continuation bytes, overlong forms, surrogates,
// code points past U+10FFFF, sequences cut short).
struct Utf8 {
  uint32_t code;
  size_t length;
};

Utf8 decode_utf8(const std::string& s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return {lead, 1};
  size_t n;
  uint32_t code, min;
  if ((lead & 0xe0) == 0xc0) {
    n = 2, code = lead & 0x1f, min = 0x80;
  } else if ((lead & 0xf0) == 0xe0) {
    n = 3, code = lead & 0x0f, min = 0x800;
  } else if ((lead & 0xf8) == 0xf0) {
    n = 4, code = lead & 0x07, min = 0x10000;
  } else {
    return {0, 0};
  }
  if (i + n > s.size()) return {0, 0};
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return {0, 0};
    code = (code << 6) | (byte(i + k) & 0x3f);
  }
  if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return {0, 0};
  return {code, n};
}

// Characters that change what the terminal shows rather than showing themselves.
bool hides_or_moves(uint32_t code) {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) || (code >= 0x202a && code <= 0x202e) ||
         (code >= 0x2066 && code <= 0x2069);
}

}  // namespace

std::string excerpt(const std::string& untrusted, size_t max_chars) {
  std::string out;
  size_t i = 0;
  for (size_t shown = 0; i < untrusted.size() && shown < max_chars; ++shown) {
    const Utf8 c = decode_utf8(untrusted, i);
    if (c.length == 0) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(untrusted[i]));
      i += 1;
      continue;
    }
    if (c.code == '"' || c.code == '\\') {
      out += '\\';
      out += static_cast<char>(c.code);
    } else if (hides_or_moves(c.code)) {
      out += c.code < 0x80 ? fmt::format("\\x{:02x}", c.code) : fmt::format("\\u{{{:04x}}}", c.code);
    } else {
      out.append(untrusted, i, c.length);
    }
    i += c.length;
  }
  if (i < untrusted.size()) out += fmt::format("... ({} bytes)", untrusted.size());
  return out;
}

}  // namespace janus
