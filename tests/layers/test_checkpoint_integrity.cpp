// Training checkpoints that were damaged or doctored after they were written (issue 13): a
// flipped bit anywhere (caught by the checksum in the metadata), weight_decay = +inf or
// all-NaN weights, a dropped momentum buffer. Each must be refused at load with an error
// naming the file and the key, before anything is restored. Files are crafted by reading a
// good checkpoint, changing it and -- where the point is a check other than the checksum --
// resealing it with the checksum recomputed as checkpoint.h documents it.
#include <janus/core/error.h>
#include <janus/core/ops.h>
#include <janus/core/optim/optim.h>
#include <janus/core/optim/state_dict.h>
#include <janus/core/random.h>
#include <janus/layers/activation.h>
#include <janus/layers/checkpoint.h>
#include <janus/layers/linear.h>
#include <janus/layers/sequential.h>

#include <catch2/catch.hpp>

#include "temp_dir.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>

using namespace janus;
using Catch::Matchers::Contains;
using janus::testing::TempDir;

namespace {

struct Trained {
  std::shared_ptr<nn::Sequential> net;
  std::unique_ptr<optim::SGD> opt;
};

Trained trained(uint64_t seed) {
  Generator gen(seed);
  Trained t;
  t.net = std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Linear>(nn::LinearOptions(3, 4).generator(&gen)), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Linear>(nn::LinearOptions(4, 2).generator(&gen))});
  t.opt = std::make_unique<optim::SGD>(t.net->parameters(), optim::SGDOptions(0.1).momentum(0.9).weight_decay(1e-4));
  for (int step = 0; step < 2; ++step) {
    t.opt->zero_grad();
    Tensor loss = cross_entropy((*t.net)(randn({5, 3}, &gen)), from_vector({0, 1, 0, 1, 1}, {5}));
    loss.backward();
    t.opt->step();
  }
  return t;
}

// FNV-1a 64 over the documented byte stream (checkpoint.h), written independently here.
std::string reseal(const std::map<std::string, std::string>& metadata, const NamedTensors& tensors) {
  uint64_t h = 0xcbf29ce484222325ull;
  auto add = [&](const void* p, size_t n) {
    for (size_t i = 0; i < n; ++i) h = (h ^ static_cast<const unsigned char*>(p)[i]) * 0x100000001b3ull;
  };
  auto add_u64 = [&](uint64_t v) { add(&v, 8); };  // little-endian host
  for (const auto& [k, v] : metadata)
    if (k != "checksum") {
      add(k.c_str(), k.size() + 1);
      add(v.c_str(), v.size() + 1);
    }
  NamedTensors sorted = tensors;
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [name, t] : sorted) {
    add(name.c_str(), name.size() + 1);
    add_u64(t.shape().size());
    for (int64_t d : t.shape()) add_u64(static_cast<uint64_t>(d));
    add(t.data(), sizeof(float) * static_cast<size_t>(t.numel()));
  }
  return fmt::format("fnv1a64:{:016x}", h);
}

// Rewrites the file with `edit` applied and the checksum recomputed.
void doctor(const std::string& path, const std::function<void(SafetensorsFile&)>& edit) {
  SafetensorsFile f = read_safetensors(path);
  edit(f);
  f.metadata["checksum"] = reseal(f.metadata, f.tensors);
  save_safetensors(path, f.tensors, f.metadata);
}

Tensor& tensor_named(SafetensorsFile& f, const std::string& key) {
  for (auto& [k, t] : f.tensors)
    if (k == key) return t;
  FAIL("no key " << key);
  throw;
}

std::string load_error(const std::string& path) {
  Trained fresh = trained(7);
  const NamedTensors before = fresh.net->state_dict();
  try {
    nn::load_training_checkpoint(path, *fresh.net, *fresh.opt, nullptr);
  } catch (const Error& e) {
    // Nothing was restored.
    const NamedTensors after = fresh.net->state_dict();
    for (size_t i = 0; i < after.size(); ++i)
      CHECK(std::equal(after[i].second.data(), after[i].second.data() + after[i].second.numel(), before[i].second.data()));
    CHECK(fresh.opt->steps() == 2);
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("training checkpoints carry a checksum that the documented recipe reproduces", "[checkpoint][hostile]") {
  TempDir dir;
  const std::string path = dir.file("ckpt.safetensors");
  Trained t = trained(1);
  nn::save_training_checkpoint(path, *t.net, *t.opt, nullptr, 3, {{"--epochs", "5"}});
  const SafetensorsFile f = read_safetensors(path);
  REQUIRE(f.metadata.count("checksum"));
  CHECK(f.metadata.at("checksum") == reseal(f.metadata, f.tensors));
  CHECK(f.metadata.at("optimizer.state_slots") == "0,1,2,3");
  Trained fresh = trained(2);
  CHECK(nn::load_training_checkpoint(path, *fresh.net, *fresh.opt, nullptr, {{"--epochs", "5"}}) == 3);
}

TEST_CASE("a flipped bit anywhere in a training checkpoint is caught by its checksum", "[checkpoint][hostile]") {
  TempDir dir;
  const std::string path = dir.file("ckpt.safetensors");
  Trained t = trained(1);
  nn::save_training_checkpoint(path, *t.net, *t.opt, nullptr, 3, {{"--epochs", "5"}});
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  uint64_t header = 0;
  std::memcpy(&header, bytes.data(), 8);
  // The last bit of a weight's mantissa, the lowest bit of an optimizer buffer, a run
  // setting's digit: all load silently without the checksum.
  const size_t data = 8 + header;
  for (size_t at : {data + 1, bytes.size() - 3, bytes.find("\"5\"") + 1}) {
    INFO("byte " << at);
    std::string bad = bytes;
    bad[at] = static_cast<char>(bad[at] ^ (at == bytes.find("\"5\"") + 1 ? 0x02 : 0x01));
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bad;
    CHECK_THAT(load_error(path), Contains(path) && Contains("checksum mismatch"));
  }
  // A file without a checksum is refused as unverifiable.
  SafetensorsFile f = read_safetensors(dir.file("ckpt.safetensors"));
  f.metadata.erase("checksum");
  save_safetensors(path, f.tensors, f.metadata);
  CHECK_THAT(load_error(path), Contains("has no \"checksum\""));
}

TEST_CASE("a training checkpoint with inf or NaN values is refused naming the key", "[checkpoint][hostile]") {
  TempDir dir;
  const std::string path = dir.file("ckpt.safetensors");
  Trained t = trained(1);
  nn::save_training_checkpoint(path, *t.net, *t.opt, nullptr, 1);
  doctor(path, [](SafetensorsFile& f) {
    Tensor& wd = tensor_named(f, "optimizer.param_groups.0.weight_decay");
    wd.data()[0] = std::numeric_limits<float>::infinity();
  });
  CHECK_THAT(load_error(path), Contains(path) && Contains("optimizer.param_groups.0.weight_decay") && Contains("inf"));
  nn::save_training_checkpoint(path, *t.net, *t.opt, nullptr, 1);
  doctor(path, [](SafetensorsFile& f) {
    Tensor& w = tensor_named(f, "model.2.weight");
    std::fill(w.data(), w.data() + w.numel(), std::numeric_limits<float>::quiet_NaN());
  });
  CHECK_THAT(load_error(path), Contains(path) && Contains("model.2.weight") && Contains("nan at element 0"));
  // The optimizer's own loader refuses a non-finite option too (the torch frontend's path).
  NamedTensors sd = t.opt->state_dict();
  for (auto& [k, v] : sd)
    if (k == "param_groups.0.weight_decay") v = from_vector({std::numeric_limits<float>::infinity(), 0, 0}, {3});
  Trained other = trained(3);
  CHECK_THROWS_WITH(other.opt->load_state_dict(sd), Contains("param_groups.0.weight_decay") && Contains("finite"));
}

TEST_CASE("a training checkpoint missing a momentum buffer is refused", "[checkpoint][hostile]") {
  TempDir dir;
  const std::string path = dir.file("ckpt.safetensors");
  Trained t = trained(1);
  nn::save_training_checkpoint(path, *t.net, *t.opt, nullptr, 1);
  doctor(path, [](SafetensorsFile& f) {
    f.tensors.erase(std::remove_if(f.tensors.begin(), f.tensors.end(),
                                   [](const auto& kv) { return kv.first == "optimizer.state.1.momentum_buffer"; }),
                    f.tensors.end());
  });
  CHECK_THAT(load_error(path), Contains(path) && Contains("saved for parameter slot(s) [0,1,2,3]") &&
                                   Contains("holds it for [0,2,3]") && Contains("momentum"));
}

TEST_CASE("a checkpoint's run setting is quoted clipped and without control bytes", "[checkpoint][hostile]") {
  TempDir dir;
  const std::string path = dir.file("ck.safetensors");
  Trained t = trained(5);
  // A 1 MB value with terminal escapes: the error printed all of it, raw, to the terminal.
  const std::string hostile = "\x1b[2J" + std::string(1 << 20, 'z');
  nn::save_training_checkpoint(path, *t.net, *t.opt, nullptr, 1, {{"--norm", hostile}});
  Trained fresh = trained(6);
  std::string msg;
  try {
    nn::load_training_checkpoint(path, *fresh.net, *fresh.opt, nullptr, {{"--norm", "bn"}});
  } catch (const Error& e) {
    msg = e.what();
  }
  CHECK_THAT(msg, Contains("--norm") && Contains("\\x1b[2J") && Contains("(1048580 bytes)") && Contains("given bn"));
  CHECK(msg.size() < 400);
  CHECK(msg.find('\x1b') == std::string::npos);
}
