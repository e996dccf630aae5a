// nn::Module: ordered registration, recursive traversal, modes, state dicts and repr.
#include <janus/layers/module.h>

#include <janus/core/error.h>

#include <algorithm>
#include <cctype>
#include <ostream>
#include <sstream>
#include <unordered_map>

namespace janus::nn {

namespace {

// "BatchNorm2d" -> "batch_norm2d".
std::string snake_case(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (std::isupper(c)) {
      if (i > 0 && std::islower(static_cast<unsigned char>(s[i - 1]))) out += '_';
      out += static_cast<char>(std::tolower(c));
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

const Tensor* find_named(const NamedTensors& list, const std::string& name) {
  for (const auto& [n, t] : list)
    if (n == name) return &t;
  return nullptr;
}

// Indents every line but the first by two spaces (nested reprs).
std::string indent_tail(const std::string& s) {
  std::string out;
  for (char c : s) {
    out += c;
    if (c == '\n') out += "  ";
  }
  return out;
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

}  // namespace

Module::Module(std::string type_name) : type_name_(std::move(type_name)), name_(snake_case(type_name_)) {}

Tensor Module::forward(const Tensor& x) {
  JANUS_FAIL("{}: forward() is not implemented for this module type (a container such as "
             "ModuleList is not callable; call its elements)",
             describe());
}

Module& Module::set_name(std::string name) {
  JANUS_CHECK(!name.empty(), "{}: set_name: expected a non-empty name", describe());
  name_ = std::move(name);
  return *this;
}

std::string Module::describe() const {
  if (name_ == snake_case(type_name_)) return type_name_;
  return fmt::format("{} ('{}')", type_name_, name_);
}

void Module::check_new_name(const std::string& name, const char* what) const {
  JANUS_CHECK(!name.empty(), "{}: {} name must not be empty", describe(), what);
  JANUS_CHECK(name.find('.') == std::string::npos, "{}: {} name '{}' must not contain '.'", describe(), what,
              name);
  const bool taken = find_named(parameters_, name) || find_named(buffers_, name) ||
                     std::any_of(children_.begin(), children_.end(), [&](const auto& c) { return c.first == name; });
  JANUS_CHECK(!taken, "{}: cannot register {} '{}': the name is already used by a parameter, buffer or child",
              describe(), what, name);
}

Tensor Module::register_parameter(const std::string& name, Tensor value) {
  check_new_name(name, "parameter");
  JANUS_CHECK(value.defined(), "{}: register_parameter('{}'): the tensor is undefined", describe(), name);
  JANUS_CHECK(value.is_leaf(), "{}: register_parameter('{}'): expected a leaf tensor (got the result of an "
              "op with autograd history; pass .detach() or create it under NoGradGuard)", describe(), name);
  value.requires_grad_(trainable_);
  parameters_.emplace_back(name, value);
  return value;
}

Tensor Module::register_buffer(const std::string& name, Tensor value) {
  check_new_name(name, "buffer");
  JANUS_CHECK(value.defined(), "{}: register_buffer('{}'): the tensor is undefined", describe(), name);
  buffers_.emplace_back(name, value);
  return value;
}

void Module::register_child(const std::string& name, std::shared_ptr<Module> module) {
  check_new_name(name, "module");
  JANUS_CHECK(module != nullptr, "{}: register_module('{}'): the module is null", describe(), name);
  JANUS_CHECK(module.get() != this, "{}: register_module('{}'): a module cannot contain itself", describe(), name);
  children_.emplace_back(name, std::move(module));
}

Tensor Module::parameter(const std::string& name) const {
  const Tensor* t = find_named(parameters_, name);
  JANUS_CHECK(t, "{}: no parameter named '{}'", describe(), name);
  return *t;
}

Tensor Module::buffer(const std::string& name) const {
  const Tensor* t = find_named(buffers_, name);
  JANUS_CHECK(t, "{}: no buffer named '{}'", describe(), name);
  return *t;
}

std::shared_ptr<Module> Module::child(const std::string& name) const {
  for (const auto& [n, m] : children_)
    if (n == name) return m;
  JANUS_FAIL("{}: no child module named '{}'", describe(), name);
}

bool Module::has_parameter(const std::string& name) const { return find_named(parameters_, name) != nullptr; }
bool Module::has_buffer(const std::string& name) const { return find_named(buffers_, name) != nullptr; }

void Module::collect(const std::string& prefix, bool params, bool bufs, bool recurse, NamedTensors& out) const {
  if (params)
    for (const auto& [n, t] : parameters_) out.emplace_back(prefix + n, t);
  if (bufs)
    for (const auto& [n, t] : buffers_) out.emplace_back(prefix + n, t);
  if (!recurse) return;
  for (const auto& [n, m] : children_) m->collect(prefix + n + ".", params, bufs, true, out);
}

NamedTensors Module::named_parameters(bool recurse) const {
  NamedTensors out;
  collect("", true, false, recurse, out);
  return out;
}

NamedTensors Module::named_buffers(bool recurse) const {
  NamedTensors out;
  collect("", false, true, recurse, out);
  return out;
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& [n, t] : named_parameters(recurse)) out.push_back(t);
  return out;
}

std::vector<Tensor> Module::buffers(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& [n, t] : named_buffers(recurse)) out.push_back(t);
  return out;
}

std::vector<std::shared_ptr<Module>> Module::children() const {
  std::vector<std::shared_ptr<Module>> out;
  for (const auto& [n, m] : children_) out.push_back(m);
  return out;
}

std::vector<std::pair<std::string, Module*>> Module::named_modules() {
  std::vector<std::pair<std::string, Module*>> out;
  out.emplace_back("", this);
  for (const auto& [n, m] : children_)
    for (auto& [sub, ptr] : m->named_modules()) out.emplace_back(sub.empty() ? n : n + "." + sub, ptr);
  return out;
}

int64_t Module::num_parameters() const {
  int64_t n = 0;
  for (const auto& t : parameters()) n += t.numel();
  return n;
}

Module& Module::apply(const std::function<void(Module&)>& fn) {
  for (const auto& [n, m] : children_) m->apply(fn);
  fn(*this);
  return *this;
}

Module& Module::train(bool on) {
  training_ = on;
  for (const auto& [n, m] : children_) m->train(on);
  return *this;
}

Module& Module::set_trainable(bool trainable) {
  trainable_ = trainable;
  for (auto& [n, t] : parameters_) t.requires_grad_(trainable);
  for (const auto& [n, m] : children_) m->set_trainable(trainable);
  return *this;
}

void Module::zero_grad() {
  for (auto& t : parameters()) t.zero_grad();
}

NamedTensors Module::state_dict() const {
  NamedTensors out;
  collect("", true, true, true, out);
  return out;
}

LoadResult Module::load_state_dict(const NamedTensors& dict, bool strict) {
  const NamedTensors own = state_dict();
  std::unordered_map<std::string, const Tensor*> given;
  LoadResult result;
  for (const auto& [n, t] : dict) {
    JANUS_CHECK(t.defined(), "{}: load_state_dict: the tensor for '{}' is undefined", describe(), n);
    JANUS_CHECK(given.emplace(n, &t).second, "{}: load_state_dict: key '{}' appears twice", describe(), n);
  }
  std::unordered_map<std::string, bool> known;
  std::vector<std::pair<Tensor, const Tensor*>> to_copy;
  for (const auto& [n, t] : own) {
    known[n] = true;
    auto it = given.find(n);
    if (it == given.end()) {
      result.missing_keys.push_back(n);
    } else if (it->second->shape() != t.shape()) {
      result.mismatched_keys.push_back(fmt::format("{}: module {}, dict {}", n, shape_str(t.shape()),
                                                   shape_str(it->second->shape())));
    } else {
      to_copy.emplace_back(t, it->second);
    }
  }
  for (const auto& [n, t] : dict)
    if (!known.count(n)) result.unexpected_keys.push_back(n);

  if (strict && !result.ok()) {
    std::string msg = fmt::format("{}: load_state_dict (strict) failed, nothing was loaded:", describe());
    if (!result.missing_keys.empty()) msg += "\n  missing keys: " + join(result.missing_keys, ", ");
    if (!result.unexpected_keys.empty()) msg += "\n  unexpected keys: " + join(result.unexpected_keys, ", ");
    if (!result.mismatched_keys.empty()) msg += "\n  shape mismatches: " + join(result.mismatched_keys, "; ");
    msg += "\n  hint: compare with module.state_dict() names, or pass strict=false to load what matches";
    throw Error(msg);
  }
  for (auto& [dst, src] : to_copy) dst.copy_(*src);
  return result;
}

std::string Module::repr() const {
  const std::string extra = extra_repr();
  std::vector<std::string> lines;
  if (!extra.empty()) {
    std::istringstream in(extra);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }
  const size_t extra_lines = lines.size();
  for (const auto& [n, m] : children_) lines.push_back("(" + n + "): " + indent_tail(m->repr()));
  std::string out = type_name_ + "(";
  if (extra_lines == 1 && children_.empty()) {
    out += extra;
  } else if (!lines.empty()) {
    out += "\n  " + join(lines, "\n  ") + "\n";
  }
  return out + ")";
}

std::ostream& operator<<(std::ostream& os, const Module& module) { return os << module.repr(); }

}  // namespace janus::nn
