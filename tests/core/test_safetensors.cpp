// safetensors: round trips, the byte layout, dtype conversions on read, one test per kind
// of damage (each must raise janus::Error naming the file and the problem), and a
// randomized fuzz test: thousands of mutated or truncated files only ever throw janus::Error.
#include <janus/core/random.h>
#include <janus/core/safetensors.h>

#include <catch2/catch.hpp>
#include <close.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <dirent.h>

using namespace janus;
using namespace janus::testing;  // close.h

namespace {

// A file image from a header text and raw data.
std::string image(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  const uint64_t n = header.size();
  std::memcpy(&out[0], &n, 8);
  return out + header + data;
}

template <typename T>
std::string raw(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void check_rejects(const std::string& bytes, const std::string& expected) {
  INFO("expected an error containing: " << expected);
  CHECK_THROWS_WITH(parse_safetensors(bytes, "bad.safetensors"),
                    Catch::Contains("bad.safetensors") && Catch::Contains(expected));
}

const std::string kGoodHeader =
    R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})";
const std::string kGoodData = raw(std::vector<float>{1.0f, 2.0f, 3.0f});

}  // namespace

TEST_CASE("safetensors round trip keeps names shapes values and metadata", "[safetensors]") {
  Generator gen(1);
  NamedTensors in = {{"features.0.weight", randn({4, 3, 3, 3}, &gen)},
                     {"features.1.running_var", uniform({4}, 0.5f, 2.0f, &gen)},
                     {"features.1.num_batches_tracked", scalar(3.0f)},
                     {"empty", zeros({0, 5})}};
  const std::string path = "janus_test_roundtrip.safetensors";
  save_safetensors(path, in, {{"format", "pt"}});
  SafetensorsFile f = read_safetensors(path);
  REQUIRE(f.tensors.size() == in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    CHECK(f.tensors[i].first == in[i].first);  // written in order, read in data order
    CHECK(f.tensors[i].second.shape() == in[i].second.shape());
    if (in[i].second.numel() > 0) CHECK_THAT(f.tensors[i].second, IsIdentical(in[i].second));
  }
  CHECK(f.metadata.at("format") == "pt");
  // The layout: 8-byte little-endian length, a JSON header, data aligned to 8 bytes.
  const std::string bytes = read_all(path);
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  CHECK((8 + n) % 8 == 0);
  CHECK(bytes.size() == 8 + n + (4 * 3 * 3 * 3 + 4 + 1) * 4);
  CHECK(bytes.substr(8, n).find(R"("features.1.num_batches_tracked":{"dtype":"F32","shape":[],"data_offsets":[448,452]})") !=
        std::string::npos);
  // Overwriting an existing file leaves no temporary file behind.
  save_safetensors(path, {{"x", ones({2})}});
  CHECK(load_safetensors(path).size() == 1);
  DIR* dir = opendir(".");
  REQUIRE(dir);
  bool leftover = false;
  while (dirent* e = readdir(dir))
    if (std::string(e->d_name).rfind(path + ".tmp", 0) == 0) leftover = true;
  closedir(dir);
  CHECK_FALSE(leftover);
  std::remove(path.c_str());
}

TEST_CASE("safetensors reads F64 F16 BF16 I64 and I32 as float", "[safetensors]") {
  const std::string header =
      R"({"__metadata__":{"k":"v"},"d":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},)"
      R"("h":{"dtype":"F16","shape":[3],"data_offsets":[16,22]},"bf":{"dtype":"BF16","shape":[1],"data_offsets":[22,24]},)"
      R"("n":{"dtype":"I64","shape":[],"data_offsets":[24,32]},"i":{"dtype":"I32","shape":[1],"data_offsets":[32,36]}})";
  // F16: 1.0 = 0x3C00, -2.5 = 0xC100, 2^-24 (smallest subnormal) = 0x0001; BF16 1.5 = 0x3FC0.
  const std::string data = raw(std::vector<double>{0.25, -1e3}) + raw(std::vector<uint16_t>{0x3C00, 0xC100, 0x0001}) +
                           raw(std::vector<uint16_t>{0x3FC0}) + raw(std::vector<int64_t>{123}) +
                           raw(std::vector<int32_t>{-7});
  SafetensorsFile f = parse_safetensors(image(header, data), "mixed");
  REQUIRE(f.tensors.size() == 5);
  CHECK(f.tensors[0].first == "d");
  CHECK(f.tensors[0].second.to_vector() == std::vector<float>{0.25f, -1000.0f});
  CHECK(f.tensors[1].second.to_vector() == std::vector<float>{1.0f, -2.5f, 5.9604645e-08f});
  CHECK(f.tensors[2].second.item() == 1.5f);
  CHECK(f.tensors[3].second.shape().empty());
  CHECK(f.tensors[3].second.item() == 123.0f);
  CHECK(f.tensors[4].second.item() == -7.0f);
  CHECK(f.metadata.at("k") == "v");
  // A valid file with tensors stored out of name order comes back in data order.
  const std::string swapped =
      R"({"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  NamedTensors t = parse_safetensors(image(swapped, kGoodData), "swapped").tensors;
  CHECK(t[0].first == "a");
  CHECK(t[1].second.item() == 3.0f);
}

TEST_CASE("safetensors rejects each kind of damage naming the file", "[safetensors]") {
  REQUIRE_NOTHROW(parse_safetensors(image(kGoodHeader, kGoodData), "good"));
  check_rejects("abc", "too short");
  std::string long_len = image(kGoodHeader, kGoodData);
  const uint64_t huge = 1u << 20;
  std::memcpy(&long_len[0], &huge, 8);
  check_rejects(long_len, "runs past the end of the file");
  check_rejects(image(R"({"a":{"dtype":"F32",)", ""), "not valid JSON");
  check_rejects(image(R"([1, 2])", ""), "must be a JSON object");
  check_rejects(image(R"({"a":{"dtype":"Q8","shape":[1],"data_offsets":[0,1]}})", "x"), "unsupported dtype \"Q8\"");
  check_rejects(image(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", kGoodData.substr(0, 8)),
                "needs 12 bytes but data_offsets [0, 8] span 8 bytes");
  check_rejects(image(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}})", kGoodData),
                "run past the end of the data (12 bytes)");
  check_rejects(image(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", kGoodData),
                "end before they begin");
  check_rejects(image(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                      kGoodData),
                "overlaps tensor 'a'");
  check_rejects(image(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                      kGoodData),
                "4 unused bytes before tensor 'a'");
  check_rejects(image(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", kGoodData),
                "4 bytes of data follow the last tensor");
  check_rejects(image(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", kGoodData.substr(0, 8)),
                "not a non-negative integer");
  check_rejects(image(R"({"a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}})", kGoodData.substr(0, 8)),
                "not a non-negative integer");
  check_rejects(image(R"({"a":{"dtype":"F32","shape":[65536,65536,16],"data_offsets":[0,8]}})",
                      kGoodData.substr(0, 8)),
                "needs more than the file's bytes");
  check_rejects(image(R"({"a":{"dtype":"F32","shape":[2]}})", kGoodData.substr(0, 8)), "data_offsets");
  check_rejects(image(R"({"a":5})", ""), "expected an object");
  check_rejects(image(R"({"__metadata__":{"k":1}})", ""), "metadata value for 'k' must be a string");
  CHECK_THROWS_WITH(read_safetensors("/nonexistent/dir/x.safetensors"),
                    Catch::Contains("'/nonexistent/dir/x.safetensors' does not exist"));
  CHECK_THROWS_WITH(save_safetensors("/nonexistent/dir/x.safetensors", {{"a", ones({1})}}),
                    Catch::Contains("cannot create"));
  CHECK_THROWS_WITH(serialize_safetensors({{"a", ones({1})}, {"a", ones({1})}}), Catch::Contains("appears twice"));
}

TEST_CASE("safetensors fuzz: damaged files only ever throw janus Error", "[safetensors]") {
  Generator gen(2024);
  const std::string good = serialize_safetensors(
      {{"w", randn({3, 2}, &gen)}, {"b", randn({3}, &gen)}, {"s", scalar(1.0f)}}, {{"format", "pt"}});
  REQUIRE(parse_safetensors(good, "fuzz").tensors.size() == 3);
  int rejected = 0, accepted = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string bytes = good;
    const int kind = static_cast<int>(gen.below(4));
    if (kind == 0) {  // truncate
      bytes.resize(gen.below(bytes.size()));
    } else if (kind == 1) {  // flip a few random bytes anywhere
      const int flips = 1 + static_cast<int>(gen.below(4));
      for (int k = 0; k < flips; ++k) bytes[gen.below(bytes.size())] = static_cast<char>(gen.below(256));
    } else if (kind == 2) {  // damage the header only, with JSON-ish characters
      const char* alphabet = "{}[]\",:0123456789-.eE ";
      uint64_t n = 0;
      std::memcpy(&n, bytes.data(), 8);
      bytes[8 + gen.below(n)] = alphabet[gen.below(std::strlen(alphabet))];
    } else {  // change the header length
      uint64_t n = 0;
      std::memcpy(&n, bytes.data(), 8);
      n = gen.below(2) ? n + gen.below(64) - 32 : uint64_t{gen.next_u32()} << (gen.below(33));
      std::memcpy(&bytes[0], &n, 8);
    }
    try {
      parse_safetensors(bytes, "fuzz");
      ++accepted;
    } catch (const Error&) {
      ++rejected;
    } catch (const std::exception& e) {
      FAIL("iteration " << iter << " threw a non-janus exception: " << e.what());
    }
  }
  CHECK(rejected > 1500);
  CHECK(rejected + accepted == 3000);
}
