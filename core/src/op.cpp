// The op registry, attributes and call_op, the one door every registered op goes through.
#include <janus/core/op.h>

#include <map>
#include <mutex>

namespace janus {

namespace {
std::map<std::string, OpDef>& registry() {
  static std::map<std::string, OpDef> ops;
  return ops;
}
thread_local OpObserver* current_observer = nullptr;
thread_local int call_depth = 0;
}  // namespace

Attrs& Attrs::set(const std::string& name, AttrValue value) {
  for (auto& [k, v] : items_) {
    if (k == name) {
      v = std::move(value);
      return *this;
    }
  }
  items_.emplace_back(name, std::move(value));
  return *this;
}

bool Attrs::has(const std::string& name) const {
  for (const auto& item : items_)
    if (item.first == name) return true;
  return false;
}

const AttrValue& Attrs::get(const std::string& name) const {
  for (const auto& [k, v] : items_)
    if (k == name) return v;
  JANUS_FAIL("op attributes: no attribute '{}' (have: {})", name, str());
}

namespace {
template <typename T>
const T& typed(const Attrs& attrs, const std::string& name, const char* type) {
  const AttrValue& v = attrs.get(name);
  const T* p = std::get_if<T>(&v);
  JANUS_CHECK(p != nullptr, "op attributes: '{}' is not of type {} (value {})", name, type, attr_value_str(v));
  return *p;
}
}  // namespace

int64_t Attrs::get_int(const std::string& name) const { return typed<int64_t>(*this, name, "int"); }
bool Attrs::get_bool(const std::string& name) const { return typed<bool>(*this, name, "bool"); }
const std::string& Attrs::get_string(const std::string& name) const {
  return typed<std::string>(*this, name, "string");
}
const std::vector<int64_t>& Attrs::get_ints(const std::string& name) const {
  return typed<std::vector<int64_t>>(*this, name, "int list");
}
double Attrs::get_float(const std::string& name) const {
  const AttrValue& v = get(name);
  if (const auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  return typed<double>(*this, name, "float");
}
int64_t Attrs::get_int(const std::string& name, int64_t fallback) const {
  return has(name) ? get_int(name) : fallback;
}
double Attrs::get_float(const std::string& name, double fallback) const {
  return has(name) ? get_float(name) : fallback;
}
bool Attrs::get_bool(const std::string& name, bool fallback) const {
  return has(name) ? get_bool(name) : fallback;
}
Attrs& Attrs::set_size2(const std::string& name, const Size2& value) {
  if (value.square()) return set(name, value.h);
  return set(name, std::vector<int64_t>{value.h, value.w});
}
Size2 Attrs::get_size2(const std::string& name, const Size2& fallback) const {
  if (!has(name)) return fallback;
  const AttrValue& v = get(name);
  if (const auto* i = std::get_if<int64_t>(&v)) return Size2(*i);
  const std::vector<int64_t>& pair = get_ints(name);
  JANUS_CHECK(pair.size() == 2, "attribute '{}': expected an int or an [h, w] pair (got {})", name,
              attr_value_str(v));
  return Size2(pair[0], pair[1]);
}

std::string attr_value_str(const AttrValue& value) {
  struct Visitor {
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return fmt::format("{:g}", d); }
    std::string operator()(const std::string& s) const { return fmt::format("\"{}\"", s); }
    std::string operator()(const std::vector<int64_t>& v) const { return fmt::format("[{}]", fmt::join(v, ", ")); }
  };
  return std::visit(Visitor{}, value);
}

std::string Attrs::str() const {
  std::string out;
  for (const auto& [k, v] : items_) {
    if (!out.empty()) out += ", ";
    out += k + "=" + attr_value_str(v);
  }
  return out;
}

void register_op(OpDef def) {
  JANUS_CHECK(!def.kind.empty() && def.forward, "register_op: an op needs a kind and a forward");
  auto& ops = registry();
  JANUS_CHECK(ops.find(def.kind) == ops.end(), "register_op: op '{}' is registered twice", def.kind);
  std::string kind = def.kind;
  ops.emplace(std::move(kind), std::move(def));
}

bool has_op(const std::string& kind) { return registry().count(kind) != 0; }

const OpDef& find_op(const std::string& kind) {
  auto it = registry().find(kind);
  JANUS_CHECK(it != registry().end(), "call_op: no op named '{}' is registered", kind);
  return it->second;
}

std::vector<std::string> registered_ops() {
  std::vector<std::string> names;
  for (const auto& [k, v] : registry()) names.push_back(k);
  return names;
}

Tensor call_op(const std::string& kind, const std::vector<Tensor>& inputs, const Attrs& attrs,
               const RunContext& ctx) {
  const OpDef& op = find_op(kind);
  OpObserver* observer = call_depth == 0 ? current_observer : nullptr;
  ++call_depth;
  Tensor out;
  try {
    out = op.forward(inputs, attrs, ctx);
  } catch (...) {
    --call_depth;
    throw;
  }
  --call_depth;
  if (observer) observer->on_op(kind, inputs, attrs, ctx, out);
  return out;
}

ObserverScope::ObserverScope(OpObserver* observer) : previous_(current_observer) {
  current_observer = observer;
}
ObserverScope::~ObserverScope() { current_observer = previous_; }

}  // namespace janus
