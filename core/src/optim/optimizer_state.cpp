// Optimizer::state_dict / load_state_dict: the layout common to every optimizer (kind, step
// count, groups with their lr and parameter slots); the derived classes add their options
// and per-parameter buffers through save_options / save_state / load_options_and_state.
#include <janus/core/error.h>
#include <janus/core/optim/optimizer.h>

namespace janus::optim {

const Shape& Optimizer::param_shape(size_t slot) const {
  for (const ParamGroup& g : groups_) {
    if (slot < g.params.size()) return g.params[slot].shape();
    slot -= g.params.size();
  }
  JANUS_FAIL("{}: parameter slot out of range", name_);
}

void Optimizer::put_option(NamedTensors& out, const std::string& prefix, const std::string& option,
                           const std::vector<double>& values) const {
  if (values.size() == 1) put_double(out, prefix + option, values[0]);
  else put_doubles(out, prefix + option, values);
}

std::vector<double> Optimizer::group_option(StateDictReader& r, size_t group, const std::string& option,
                                            size_t n) const {
  const std::string key = "param_groups." + std::to_string(group) + "." + option;
  return n == 1 ? std::vector<double>{r.get_double(key)} : r.get_doubles(key, static_cast<int64_t>(n));
}

bool Optimizer::group_bool_option(StateDictReader& r, size_t group, const std::string& option,
                                  const bool* if_absent) const {
  const std::string key = "param_groups." + std::to_string(group) + "." + option;
  if (if_absent && !r.has(key)) return *if_absent;
  return r.get_bool(key);
}

NamedTensors Optimizer::state_dict() const {
  NamedTensors out;
  out.emplace_back("kind", encode_name(name_));
  put_double(out, "step", static_cast<double>(steps_));
  size_t slot = 0;
  for (size_t g = 0; g < groups_.size(); ++g) {
    const std::string prefix = "param_groups." + std::to_string(g) + ".";
    put_double(out, prefix + "lr", groups_[g].lr);
    std::vector<float> slots;
    for (size_t i = 0; i < groups_[g].params.size(); ++i) slots.push_back(static_cast<float>(slot++));
    out.emplace_back(prefix + "params", from_vector(slots, {static_cast<int64_t>(slots.size())}));
    save_options(out, prefix, g);
  }
  for (size_t s = 0; s < num_params(); ++s) save_state(out, s, "state." + std::to_string(s) + ".");
  return out;
}

void Optimizer::load_state_dict(const NamedTensors& dict) {
  StateDictReader r(dict, std::string(name_) + ".load_state_dict");
  r.expect_name("kind", name_);
  const int64_t steps = r.get_int("step", 0, int64_t{1} << 60);
  // Group count: the groups present must be exactly this optimizer's.
  JANUS_CHECK(!r.has("param_groups." + std::to_string(groups_.size()) + ".lr"),
              "{}: key 'param_groups.{}.lr': expected {} parameter group(s) (got more)", r.what(), groups_.size(),
              groups_.size());
  std::vector<double> lrs;
  size_t slot = 0;
  for (size_t g = 0; g < groups_.size(); ++g) {
    const std::string prefix = "param_groups." + std::to_string(g) + ".";
    JANUS_CHECK(r.has(prefix + "lr"), "{}: missing key '{}lr': expected {} parameter group(s) (got {})", r.what(),
                prefix, groups_.size(), g);
    const double lr = r.get_double(prefix + "lr");
    JANUS_CHECK(lr >= 0.0, "{}: key '{}lr': expected a learning rate >= 0 (got {})", r.what(), prefix, lr);
    lrs.push_back(lr);
    const std::string key = prefix + "params";
    JANUS_CHECK(r.has(key), "{}: missing key '{}'", r.what(), key);
    const size_t n = groups_[g].params.size();
    const Tensor slots = r.get_any(key);
    JANUS_CHECK(slots.dim() == 1 && static_cast<size_t>(slots.numel()) == n,
                "{}: key '{}': expected {} parameter(s) in group {} (got {})", r.what(), key, n, g,
                slots.dim() == 1 ? std::to_string(slots.numel()) : "shape " + shape_str(slots.shape()));
    for (size_t i = 0; i < n; ++i, ++slot)
      JANUS_CHECK(slots.data()[i] == static_cast<float>(slot), "{}: key '{}': expected slot {} at position {} (got {})",
                  r.what(), key, slot, i, slots.data()[i]);
  }
  std::function<void()> commit = load_options_and_state(r);
  r.expect_all_read(fmt::format("the optimizer has {} parameter(s) in {} group(s)", num_params(), groups_.size()));
  commit();
  steps_ = steps;
  for (size_t g = 0; g < groups_.size(); ++g) groups_[g].lr = lrs[g];
}

}  // namespace janus::optim
