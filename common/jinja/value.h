// Value: the dynamic value a Jinja template computes with, modelled on the Python objects
// jinja2 sees under transformers: None, bool, int, float, str, list, tuple, dict (insertion
// ordered), callables, namespace() objects and jinja2's Undefined.
//
// Lists, tuples, dicts and functions are immutable and shared between copies (copying a
// Value is cheap); a namespace is the one mutable object and is shared by reference, as in
// Python. Values are not thread-safe to mutate, but immutable ones (everything except a
// namespace) may be read from several threads.
#ifndef LLM_COMMON_JINJA_VALUE_H_
#define LLM_COMMON_JINJA_VALUE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace llm::jinja {

class Value;
class Dict;
struct Namespace;

// Arguments of a call: f(a, b, key=c).
struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
};

using NativeFunction = std::function<absl::StatusOr<Value>(const CallArgs& args)>;

// A callable: a global (range, namespace), a bound method ('x'.strip), a macro, caller.
struct Function {
  std::string name;
  NativeFunction call;
};

class Value {
 public:
  enum class Kind {
    kUndefined,
    kNone,
    kBool,
    kInt,
    kFloat,
    kString,
    kList,
    kTuple,
    kDict,
    kFunction,
    kNamespace,
  };

  // Undefined, with the message jinja2 reports when it is used ("'x' is undefined").
  Value() : kind_(Kind::kUndefined), data_(std::string()) {}
  static Value Undefined(std::string message);
  static Value None();
  Value(bool b) : kind_(Kind::kBool), data_(b) {}                      // NOLINT
  Value(int i) : Value(static_cast<int64_t>(i)) {}                     // NOLINT
  Value(int64_t i) : kind_(Kind::kInt), data_(i) {}                    // NOLINT
  Value(double d) : kind_(Kind::kFloat), data_(d) {}                   // NOLINT
  Value(std::string s) : kind_(Kind::kString), data_(std::move(s)) {}  // NOLINT
  Value(absl::string_view s) : Value(std::string(s)) {}                // NOLINT
  Value(const char* s) : Value(std::string(s)) {}                      // NOLINT
  static Value List(std::vector<Value> items);
  static Value Tuple(std::vector<Value> items);
  static Value FromDict(Dict dict);
  static Value MakeFunction(std::string name, NativeFunction call);
  static Value MakeNamespace(Dict attributes);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::kUndefined; }
  bool is_none() const { return kind_ == Kind::kNone; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_int() const { return kind_ == Kind::kInt; }
  bool is_float() const { return kind_ == Kind::kFloat; }
  // Python numbers: bool is an int.
  bool is_number() const { return is_bool() || is_int() || is_float(); }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_list() const { return kind_ == Kind::kList; }
  bool is_tuple() const { return kind_ == Kind::kTuple; }
  bool is_sequence() const { return is_list() || is_tuple(); }
  bool is_dict() const { return kind_ == Kind::kDict; }
  bool is_function() const { return kind_ == Kind::kFunction; }
  bool is_namespace() const { return kind_ == Kind::kNamespace; }

  // Accessors; calling one for another kind is a programmer error.
  bool bool_value() const { return std::get<bool>(data_); }
  int64_t int_value() const { return is_bool() ? bool_value() : std::get<int64_t>(data_); }
  // Any number as a double.
  double number_value() const;
  const std::string& string_value() const { return std::get<std::string>(data_); }
  const std::vector<Value>& items() const;
  const Dict& dict() const;
  const Function& function() const;
  Namespace& namespace_object() const;
  // The message of an undefined value.
  const std::string& undefined_message() const { return std::get<std::string>(data_); }

  // Python truthiness.
  bool Truthy() const;
  // Python str() and repr(); Undefined prints as "".
  std::string Str() const;
  std::string Repr() const;
  // Python type name, as in error messages ("str", "dict", "NoneType").
  std::string TypeName() const;

 private:
  using ListPtr = std::shared_ptr<const std::vector<Value>>;
  using DictPtr = std::shared_ptr<const Dict>;
  using FunctionPtr = std::shared_ptr<const Function>;
  using NamespacePtr = std::shared_ptr<Namespace>;

  Kind kind_;
  std::variant<std::monostate, bool, int64_t, double, std::string, ListPtr, DictPtr, FunctionPtr,
               NamespacePtr>
      data_;
};

// Python ==: numbers compare by value across bool/int/float, containers element-wise,
// Undefined equals only Undefined.
bool operator==(const Value& a, const Value& b);
inline bool operator!=(const Value& a, const Value& b) { return !(a == b); }

// An insertion-ordered mapping with Python key equality. Lookups are linear: template
// dicts (messages, tool schemas) are small.
class Dict {
 public:
  using Entry = std::pair<Value, Value>;

  const Value* Find(const Value& key) const;
  const Value* Find(absl::string_view key) const;
  const Value* Find(const char* key) const { return Find(absl::string_view(key)); }
  // Replaces the value of an existing key in place (keeping its position) or appends.
  void Set(Value key, Value value);

  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  std::vector<Entry>::const_iterator begin() const { return entries_.begin(); }
  std::vector<Entry>::const_iterator end() const { return entries_.end(); }

 private:
  std::vector<Entry> entries_;
};

// The object namespace(...) returns: attributes that `{% set ns.x = ... %}` may change.
struct Namespace {
  Dict attributes;
};

}  // namespace llm::jinja

#endif  // LLM_COMMON_JINJA_VALUE_H_
