// Ops are data. Every op has a kind name and typed attributes (stride, padding, eps, ...)
// and is registered under its kind, so that a recorded graph can print, compare, hash and
// re-run it. Public functions such as janus::conv2d() build the attributes and go through
// call_op(), which is also where a tracer (core/graph.h) sees each op.
//
//   Tensor y = call_op("leaky_relu", {x}, Attrs().set("slope", 0.01));
#pragma once

#include <janus/core/size2.h>
#include <janus/core/tensor.h>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace janus {

using AttrValue = std::variant<bool, int64_t, double, std::string, std::vector<int64_t>>;

// Ordered name -> value list; order is kept so that dumps are canonical.
class Attrs {
 public:
  Attrs& set(const std::string& name, AttrValue value);
  Attrs& set(const std::string& name, bool value) { return set(name, AttrValue(value)); }
  Attrs& set(const std::string& name, int value) { return set(name, AttrValue(int64_t{value})); }
  Attrs& set(const std::string& name, long value) { return set(name, AttrValue(int64_t{value})); }
  Attrs& set(const std::string& name, long long value) { return set(name, AttrValue(int64_t{value})); }
  Attrs& set(const std::string& name, float value) { return set(name, AttrValue(double{value})); }
  Attrs& set(const std::string& name, double value) { return set(name, AttrValue(value)); }
  Attrs& set(const std::string& name, const char* value) { return set(name, AttrValue(std::string(value))); }
  Attrs& set(const std::string& name, const std::string& value) { return set(name, AttrValue(value)); }
  Attrs& set(const std::string& name, const std::vector<int64_t>& value) { return set(name, AttrValue(value)); }
  bool has(const std::string& name) const;
  const AttrValue& get(const std::string& name) const;
  int64_t get_int(const std::string& name) const;
  double get_float(const std::string& name) const;
  bool get_bool(const std::string& name) const;
  const std::string& get_string(const std::string& name) const;
  const std::vector<int64_t>& get_ints(const std::string& name) const;
  // With defaults, for optional attributes.
  int64_t get_int(const std::string& name, int64_t fallback) const;
  double get_float(const std::string& name, double fallback) const;
  bool get_bool(const std::string& name, bool fallback) const;
  // An (h, w) attribute: stored as one int when square (so square dumps read "stride=2"),
  // as [h, w] otherwise; get_size2 accepts both forms.
  Attrs& set_size2(const std::string& name, const Size2& value);
  Size2 get_size2(const std::string& name, const Size2& fallback) const;
  const std::vector<std::pair<std::string, AttrValue>>& items() const { return items_; }
  // "eps=1e-05, stride=[2, 2]" in insertion order.
  std::string str() const;
  bool operator==(const Attrs& other) const { return items_ == other.items_; }

 private:
  std::vector<std::pair<std::string, AttrValue>> items_;
};

std::string attr_value_str(const AttrValue& value);

// What an op may need to know about the run that is not an attribute of the op itself.
struct RunContext {
  bool training = true;  // train() vs eval(): batch vs running statistics, dropout on/off
  Generator* generator = nullptr;  // random source of random ops (dropout); null: the default
};

using OpForward =
    std::function<Tensor(const std::vector<Tensor>& inputs, const Attrs& attrs, const RunContext& ctx)>;

struct OpDef {
  std::string kind;
  OpForward forward;
  // Ops whose result depends on RunContext::training (dropout, batch norm).
  bool mode_dependent = false;
  // Ops that update some of their inputs in place (batch norm's running statistics).
  bool mutates_inputs = false;
};

void register_op(OpDef def);
const OpDef& find_op(const std::string& kind);
bool has_op(const std::string& kind);
std::vector<std::string> registered_ops();

// Runs a registered op and tells the active tracer about it. Undefined tensors stand for
// absent optional inputs (a convolution without bias).
Tensor call_op(const std::string& kind, const std::vector<Tensor>& inputs, const Attrs& attrs = {},
               const RunContext& ctx = {});

// Sees each top-level op that call_op runs (nested calls inside an op are not reported).
class OpObserver {
 public:
  virtual ~OpObserver() = default;
  virtual void on_op(const std::string& kind, const std::vector<Tensor>& inputs, const Attrs& attrs,
                     const RunContext& ctx, const Tensor& output) = 0;
};

// Installs an observer for this thread for its lifetime (used by tracing).
class ObserverScope {
 public:
  explicit ObserverScope(OpObserver* observer);
  ~ObserverScope();
  ObserverScope(const ObserverScope&) = delete;
  ObserverScope& operator=(const ObserverScope&) = delete;

 private:
  OpObserver* previous_;
};

namespace detail {
struct OpRegistrar {
  explicit OpRegistrar(OpDef def) { register_op(std::move(def)); }
};
}  // namespace detail

}  // namespace janus

// Registers an op at load time: JANUS_REGISTER_OP(relu, {"relu", relu_forward});
#define JANUS_REGISTER_OP(id, ...) \
  static ::janus::detail::OpRegistrar janus_op_registrar_##id(::janus::OpDef __VA_ARGS__)
