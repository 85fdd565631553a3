#include "common/jinja/methods.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/jinja/args.h"
#include "common/jinja/errors.h"
#include "common/jinja/string_methods.h"
#include "common/status_macros.h"

namespace llm::jinja {
namespace {

constexpr absl::string_view kMutatingDictMethods[] = {"clear", "pop", "popitem", "setdefault",
                                                      "update"};
constexpr absl::string_view kMutatingListMethods[] = {"append", "clear",  "extend",  "insert",
                                                      "pop",    "remove", "reverse", "sort"};

template <size_t N>
bool Contains(const absl::string_view (&names)[N], absl::string_view name) {
  return std::find(std::begin(names), std::end(names), name) != std::end(names);
}

Value Unsafe(const Value& object, absl::string_view name) {
  return Value::Undefined(absl::StrCat("access to attribute '", name, "' of '", object.TypeName(),
                                       "' object is unsafe."));
}

absl::StatusOr<Value> DictMethod(const Dict& dict, absl::string_view name, const CallArgs& args) {
  if (name == "get") {
    ASSIGN_OR_RETURN(const std::vector<Value> bound,
                     BindArgs("get", args, {{"key", {}}, {"default", Value::None()}}));
    const Value* value = dict.Find(bound[0]);
    return value != nullptr ? *value : bound[1];
  }
  RETURN_IF_ERROR(BindArgs(name, args, {}).status());
  std::vector<Value> out;
  for (const auto& [key, value] : dict) {
    if (name == "items") {
      out.push_back(Value::Tuple({key, value}));
    } else {
      out.push_back(name == "keys" ? key : value);
    }
  }
  return Value::List(std::move(out));
}

absl::StatusOr<Value> ListMethod(const std::vector<Value>& items, absl::string_view name,
                                 const CallArgs& args) {
  ASSIGN_OR_RETURN(const std::vector<Value> bound, BindArgs(name, args, {{"value", {}}}));
  const auto it = std::find(items.begin(), items.end(), bound[0]);
  if (name == "count") {
    return Value(static_cast<int64_t>(std::count(items.begin(), items.end(), bound[0])));
  }
  if (it == items.end()) return RuntimeError(absl::StrCat(bound[0].Repr(), " is not in list"));
  return Value(static_cast<int64_t>(it - items.begin()));
}

}  // namespace

std::optional<Value> GetMethod(const Value& object, absl::string_view name) {
  const std::string method(name);
  if (object.is_string()) return GetStringMethod(object.string_value(), name);
  if (object.is_dict()) {
    if (Contains(kMutatingDictMethods, name)) return Unsafe(object, name);
    if (name != "get" && name != "items" && name != "keys" && name != "values") {
      return std::nullopt;
    }
    return Value::MakeFunction(absl::StrCat("dict.", name), [object, method](const CallArgs& args) {
      return DictMethod(object.dict(), method, args);
    });
  }
  if (object.is_sequence()) {
    if (object.is_list() && Contains(kMutatingListMethods, name)) return Unsafe(object, name);
    if (name != "index" && name != "count") return std::nullopt;
    return Value::MakeFunction(absl::StrCat(object.TypeName(), ".", name),
                               [object, method](const CallArgs& args) {
                                 return ListMethod(object.items(), method, args);
                               });
  }
  return std::nullopt;
}

}  // namespace llm::jinja
