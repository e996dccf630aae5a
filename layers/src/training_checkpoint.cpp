// Training checkpoints: model + optimizer + scheduler + epoch in one safetensors file,
// under the prefixes "model.", "optimizer.", "scheduler." and the key "epoch"; the run's
// settings in the metadata as "run.<name>"; a checksum of everything else in the metadata
// as "checksum", and the optimizer's state slots as "optimizer.state_slots", both verified
// on load together with the finiteness of every value.
#include <janus/core/error.h>
#include <janus/core/optim/state_dict.h>
#include <janus/layers/checkpoint.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

namespace janus::nn {

namespace {

const char* const kFormat = "janus.training_checkpoint";
const std::string kRunPrefix = "run.";
const char* const kChecksumKey = "checksum";
const char* const kSlotsKey = "optimizer.state_slots";
const std::string kOptimizerStatePrefix = "optimizer.state.";

// FNV-1a, 64 bits: every change of a single byte changes it (each step is a bijection of
// the state), which is what a checksum against flipped bits needs.
struct Fnv1a {
  uint64_t h = 0xcbf29ce484222325ull;
  void add(const void* p, size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 0x100000001b3ull;
  }
  void add(const std::string& s) { add(s.data(), s.size() + 1); }  // with its terminating 0
  void add_u64(uint64_t v) {
    unsigned char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
    add(b, 8);
  }
};

// "fnv1a64:<16 hex digits>" of, in this order: each metadata key and value but the checksum
// (in key order, each followed by a 0 byte), then each tensor in name order: its name and a
// 0 byte, its rank and sizes as 8-byte little-endian integers, its float32 data as stored.
std::string checksum_of(const std::map<std::string, std::string>& metadata, const NamedTensors& tensors) {
  Fnv1a f;
  for (const auto& [key, value] : metadata) {
    if (key == kChecksumKey) continue;
    f.add(key);
    f.add(value);
  }
  std::vector<const std::pair<std::string, Tensor>*> sorted;
  for (const auto& kv : tensors) sorted.push_back(&kv);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->first < b->first; });
  for (const auto* kv : sorted) {
    f.add(kv->first);
    f.add_u64(kv->second.shape().size());
    for (int64_t d : kv->second.shape()) f.add_u64(static_cast<uint64_t>(d));
    f.add(kv->second.data(), sizeof(float) * static_cast<size_t>(kv->second.numel()));
  }
  return fmt::format("fnv1a64:{:016x}", f.h);
}

// The parameter slots <n> of the keys "optimizer.state.<n>.*", ascending, comma-separated.
std::string state_slots_of(const NamedTensors& tensors, const std::string& prefix) {
  std::set<long long> slots;
  for (const auto& [key, t] : tensors) {
    if (key.compare(0, prefix.size(), prefix) != 0) continue;
    const size_t dot = key.find('.', prefix.size());
    const std::string slot = key.substr(prefix.size(), dot == std::string::npos ? std::string::npos : dot - prefix.size());
    if (!slot.empty() && slot.size() < 12 && std::all_of(slot.begin(), slot.end(), [](char c) { return c >= '0' && c <= '9'; })) slots.insert(std::stoll(slot));
  }
  return fmt::format("{}", fmt::join(slots, ","));
}

// Every value must be finite: encode_double refuses anything else, and a model or optimizer
// state of inf or NaN cannot continue a run.
void check_finite(const SafetensorsFile& file, const std::string& where) {
  for (const auto& [key, t] : file.tensors) {
    const float* p = t.data();
    for (int64_t i = 0; i < t.numel(); ++i)
      JANUS_CHECK(std::isfinite(p[i]), "{}: key '{}' holds {} at element {} (of shape {}); a checkpoint holds finite "
                  "values only (did the run diverge before it was saved?)", where, excerpt(key), p[i], i, shape_str(t.shape()));
  }
}

void check_checksum(const SafetensorsFile& file, const std::string& where) {
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
  // The fuzz build (tests/fuzz) lets mutated files past the checksum to reach the loaders.
  (void)checksum_of(file.metadata, file.tensors);
  (void)where;
  return;
#endif
  auto stored = file.metadata.find(kChecksumKey);
  JANUS_CHECK(stored != file.metadata.end(), "{}: the checkpoint has no \"{}\" in its metadata (written by an older "
              "janus, or edited): it cannot be verified", where, kChecksumKey);
  const std::string actual = checksum_of(file.metadata, file.tensors);
  JANUS_CHECK(stored->second == actual, "{}: checksum mismatch: the metadata says {}, the content gives {}; the file "
              "was damaged (a flipped bit, a partial copy) or edited after it was written", where, stored->second, actual);
}

void check_state_slots(const SafetensorsFile& file, const std::string& where) {
  auto stored = file.metadata.find(kSlotsKey);
  JANUS_CHECK(stored != file.metadata.end(), "{}: the checkpoint has no \"{}\" in its metadata", where, kSlotsKey);
  const std::string present = state_slots_of(file.tensors, kOptimizerStatePrefix);
  JANUS_CHECK(present == stored->second, "{}: the optimizer state was saved for parameter slot(s) [{}] but the file "
              "holds it for [{}]; a missing state (e.g. a momentum buffer) would silently restart from zero",
              where, stored->second, present);
}

RunSettings run_settings_of(const SafetensorsFile& file) {
  RunSettings out;
  for (const auto& [key, value] : file.metadata)
    if (key.compare(0, kRunPrefix.size(), kRunPrefix) == 0) out.emplace(key.substr(kRunPrefix.size()), value);
  return out;
}

// Every expected setting must be in the file with the same value; each message names the
// setting (the flag) with the checkpoint's value and the given one.
void check_run_settings(const SafetensorsFile& file, const RunSettings& expected, const std::string& where) {
  const RunSettings stored = run_settings_of(file);
  for (const auto& [name, value] : expected) {
    auto it = stored.find(name);
    JANUS_CHECK(it != stored.end(), "{}: {}: the checkpoint does not record it (given {}); it was saved without "
                "this run setting, so a resume cannot be checked to continue the same run", where, name, excerpt(value));
    JANUS_CHECK(it->second == value, "{}: {}: the checkpoint has {}, given {} (resume with the run's settings)", where,
                name, excerpt(it->second), excerpt(value));
  }
}

void check_format(const SafetensorsFile& file, const std::string& where) {
  auto format = file.metadata.find("format");
  JANUS_CHECK(format != file.metadata.end() && format->second == kFormat,
              "{}: expected metadata format '{}' (got {}); a model-only file loads with nn::load_state_dict", where,
              kFormat, format == file.metadata.end() ? "none" : "'" + excerpt(format->second) + "'");
}

void append_prefixed(NamedTensors& out, const NamedTensors& part, const std::string& prefix) {
  for (const auto& [key, t] : part) out.emplace_back(prefix + key, t);
}

// The entries of `all` under `prefix`, with the prefix removed.
NamedTensors take_prefixed(const NamedTensors& all, const std::string& prefix) {
  NamedTensors out;
  for (const auto& [key, t] : all)
    if (key.compare(0, prefix.size(), prefix) == 0) out.emplace_back(key.substr(prefix.size()), t);
  return out;
}

}  // namespace

void save_training_checkpoint(const std::string& path, const Module& model, const optim::Optimizer& optimizer,
                              const optim::LRScheduler* scheduler, int64_t epoch, const RunSettings& settings) {
  JANUS_CHECK(epoch >= 0, "save_training_checkpoint: expected epoch >= 0 (got {})", epoch);
  NamedTensors all;
  append_prefixed(all, model.state_dict(), "model.");
  append_prefixed(all, optimizer.state_dict(), "optimizer.");
  if (scheduler) append_prefixed(all, scheduler->state_dict(), "scheduler.");
  optim::put_double(all, "epoch", static_cast<double>(epoch));
  std::map<std::string, std::string> meta = {{"format", kFormat},
                                             {"optimizer", optimizer.kind()},
                                             {"epoch", std::to_string(epoch)}};
  if (scheduler) meta["scheduler"] = scheduler->kind();
  for (const auto& [name, value] : settings) {
    JANUS_CHECK(!name.empty(), "save_training_checkpoint: expected non-empty run setting names (got '' = '{}')", value);
    meta[kRunPrefix + name] = value;
  }
  meta[kSlotsKey] = state_slots_of(all, kOptimizerStatePrefix);
  meta[kChecksumKey] = checksum_of(meta, all);
  save_safetensors(path, all, meta);
}

int64_t load_training_checkpoint(const std::string& path, Module& model, optim::Optimizer& optimizer,
                                 optim::LRScheduler* scheduler, const RunSettings& expected) {
  const SafetensorsFile file = read_safetensors(path);
  const std::string where = "load_training_checkpoint('" + path + "')";
  check_format(file, where);
  check_checksum(file, where);
  check_finite(file, where);
  check_state_slots(file, where);
  check_run_settings(file, expected, where);
  for (const auto& [key, t] : file.tensors)
    JANUS_CHECK(key == "epoch" || key.rfind("model.", 0) == 0 || key.rfind("optimizer.", 0) == 0 ||
                    key.rfind("scheduler.", 0) == 0,
                "{}: unexpected key '{}' (expected model.*, optimizer.*, scheduler.* or epoch)", where, excerpt(key));
  const NamedTensors sched_part = take_prefixed(file.tensors, "scheduler.");
  JANUS_CHECK(sched_part.empty() || scheduler, "{}: the file holds a {} scheduler state; pass the scheduler to restore",
              where, file.metadata.count("scheduler") ? excerpt(file.metadata.at("scheduler")) : "");
  JANUS_CHECK(!sched_part.empty() || !scheduler, "{}: expected a scheduler state (keys scheduler.*) for the {} (got none)",
              where, scheduler ? scheduler->kind() : "");
  NamedTensors epoch_part;
  for (const auto& [key, t] : file.tensors)
    if (key == "epoch") epoch_part.emplace_back(key, t);
  optim::StateDictReader epoch_reader(epoch_part, where);
  const int64_t epoch = epoch_reader.get_int("epoch", 0, int64_t{1} << 60);

  // Optimizer and scheduler first (each all-or-nothing), then the strict model load; any
  // failure puts the earlier parts back.
  const NamedTensors opt_before = optimizer.state_dict();
  const NamedTensors sched_before = scheduler ? scheduler->state_dict() : NamedTensors{};
  try {
    optimizer.load_state_dict(take_prefixed(file.tensors, "optimizer."));
    if (scheduler) scheduler->load_state_dict(sched_part);
    model.load_state_dict(take_prefixed(file.tensors, "model."), true);
  } catch (const Error& e) {
    if (scheduler) scheduler->load_state_dict(sched_before);
    optimizer.load_state_dict(opt_before);
    throw Error(fmt::format("{}: {}", where, e.what()));
  }
  return epoch;
}

RunSettings read_run_settings(const std::string& path) {
  const SafetensorsFile file = read_safetensors(path);
  check_format(file, "read_run_settings('" + path + "')");
  return run_settings_of(file);
}

}  // namespace janus::nn
