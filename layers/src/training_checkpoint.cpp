// Training checkpoints: model + optimizer + scheduler + epoch in one safetensors file,
// under the prefixes "model.", "optimizer.", "scheduler." and the key "epoch"; the run's
// settings in the metadata as "run.<name>".
#include <janus/core/error.h>
#include <janus/core/optim/state_dict.h>
#include <janus/layers/checkpoint.h>

namespace janus::nn {

namespace {

const char* const kFormat = "janus.training_checkpoint";
const std::string kRunPrefix = "run.";

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
                "this run setting, so a resume cannot be checked to continue the same run", where, name, value);
    JANUS_CHECK(it->second == value, "{}: {}: the checkpoint has {}, given {} (resume with the run's settings)", where,
                name, it->second, value);
  }
}

void check_format(const SafetensorsFile& file, const std::string& where) {
  auto format = file.metadata.find("format");
  JANUS_CHECK(format != file.metadata.end() && format->second == kFormat,
              "{}: expected metadata format '{}' (got {}); a model-only file loads with nn::load_state_dict", where,
              kFormat, format == file.metadata.end() ? "none" : "'" + format->second + "'");
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
  save_safetensors(path, all, meta);
}

int64_t load_training_checkpoint(const std::string& path, Module& model, optim::Optimizer& optimizer,
                                 optim::LRScheduler* scheduler, const RunSettings& expected) {
  const SafetensorsFile file = read_safetensors(path);
  const std::string where = "load_training_checkpoint('" + path + "')";
  check_format(file, where);
  check_run_settings(file, expected, where);
  for (const auto& [key, t] : file.tensors)
    JANUS_CHECK(key == "epoch" || key.rfind("model.", 0) == 0 || key.rfind("optimizer.", 0) == 0 ||
                    key.rfind("scheduler.", 0) == 0,
                "{}: unexpected key '{}' (expected model.*, optimizer.*, scheduler.* or epoch)", where, key);
  const NamedTensors sched_part = take_prefixed(file.tensors, "scheduler.");
  JANUS_CHECK(sched_part.empty() || scheduler, "{}: the file holds a {} scheduler state; pass the scheduler to restore",
              where, file.metadata.count("scheduler") ? file.metadata.at("scheduler") : "");
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
