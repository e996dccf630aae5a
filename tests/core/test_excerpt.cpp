// janus::excerpt, the quoting of untrusted text (names and values from files) in messages:
// clipped, with everything that could move the terminal or hide text escaped, valid UTF-8
// kept as written, and quotes and backslashes escaped so each escape reads one way.
#include <catch2/catch.hpp>

#include <janus/core/error.h>

#include <string>

using janus::excerpt;

TEST_CASE("excerpt keeps plain text and clips long text with its size", "[core][excerpt]") {
  CHECK(excerpt("bn") == "bn");
  CHECK(excerpt("") == "");
  const std::string big(50'000'000, 'x');
  const std::string e = excerpt(big);
  CHECK(e == std::string(80, 'x') + "... (50000000 bytes)");
  CHECK(excerpt(std::string(80, 'y')) == std::string(80, 'y'));  // exactly max_chars: no suffix
  CHECK(excerpt("abcdef", 3) == "abc... (6 bytes)");
}

TEST_CASE("excerpt escapes C0 controls, DEL and C1 controls", "[core][excerpt]") {
  CHECK(excerpt("a\x1b[2Jb\n") == "a\\x1b[2Jb\\x0a");
  CHECK(excerpt(std::string("n\0ul", 4)) == "n\\x00ul");
  CHECK(excerpt("del\x7f") == "del\\x7f");
  CHECK(excerpt("csi\xc2\x9b" "2J") == "csi\\u{009b}2J");  // U+009B, the 8-bit CSI
}

TEST_CASE("excerpt keeps valid UTF-8 and escapes bytes that are not UTF-8", "[core][excerpt]") {
  CHECK(excerpt("conv_\xc3\xa9t\xc3\xa9") == "conv_\xc3\xa9t\xc3\xa9");        // é
  CHECK(excerpt("\xe5\xb1\x82") == "\xe5\xb1\x82");                            // 层, 3 bytes
  CHECK(excerpt("\xf0\x9f\x98\x80") == "\xf0\x9f\x98\x80");                    // U+1F600, 4 bytes
  CHECK(excerpt("a\xff" "b") == "a\\xffb");                                    // never valid
  CHECK(excerpt("\x80x") == "\\x80x");                                         // stray continuation
  CHECK(excerpt("\xc3") == "\\xc3");                                           // cut short at the end
  CHECK(excerpt("\xc3(") == "\\xc3(");                                         // cut short inside
  CHECK(excerpt("\xc0\xaf") == "\\xc0\\xaf");                                  // overlong '/'
  CHECK(excerpt("\xed\xa0\x80") == "\\xed\\xa0\\x80");                         // a surrogate
  CHECK(excerpt("\xf4\x90\x80\x80") == "\\xf4\\x90\\x80\\x80");                // past U+10FFFF
}

TEST_CASE("excerpt escapes the bidirectional overrides and isolates", "[core][excerpt]") {
  // U+202E RIGHT-TO-LEFT OVERRIDE shows the text after it reversed on screen.
  CHECK(excerpt("x\xe2\x80\xae" "gpj") == "x\\u{202e}gpj");
  CHECK(excerpt("\xe2\x80\xaa\xe2\x81\xa6\xe2\x81\xa9") == "\\u{202a}\\u{2066}\\u{2069}");
  CHECK(excerpt("\xe2\x80\x94") == "\xe2\x80\x94");  // U+2014 EM DASH, a neighbour, kept
}

TEST_CASE("excerpt escapes quotes and backslashes, so escapes are unambiguous", "[core][excerpt]") {
  CHECK(excerpt("say \"hi\"") == "say \\\"hi\\\"");
  // A name that spells an escape is told apart from the escaped byte itself.
  CHECK(excerpt("\\x1b") == "\\\\x1b");
  CHECK(excerpt("\x1b") == "\\x1b");
}

TEST_CASE("excerpt counts characters, never cutting a UTF-8 sequence", "[core][excerpt]") {
  CHECK(excerpt("\xc3\xa9\xc3\xa9\xc3\xa9", 2) == "\xc3\xa9\xc3\xa9... (6 bytes)");
  CHECK(excerpt("\x1b\x1b\x1b", 2) == "\\x1b\\x1b... (3 bytes)");
}
