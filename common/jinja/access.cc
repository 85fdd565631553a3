#include "common/jinja/access.h"

#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/jinja/errors.h"
#include "common/jinja/methods.h"
#include "common/jinja/utf8.h"
#include "common/status_macros.h"

namespace llm::jinja {
namespace {

// jinja2's object_type_repr: "dict object", "None".
std::string ObjectDescription(const Value& object) {
  if (object.is_none()) return "None";
  return absl::StrCat(object.TypeName(), " object");
}

Value Missing(const Value& object, const Value& key) {
  if (key.is_string()) {
    return Value::Undefined(
        absl::StrCat("'", ObjectDescription(object), "' has no attribute ", key.Repr()));
  }
  return Value::Undefined(
      absl::StrCat("'", ObjectDescription(object), "' has no element ", key.Repr()));
}

// Python's index normalization for one position; nullopt when out of range.
std::optional<size_t> NormalizeIndex(int64_t index, size_t size) {
  if (index < 0) index += static_cast<int64_t>(size);
  if (index < 0 || index >= static_cast<int64_t>(size)) return std::nullopt;
  return static_cast<size_t>(index);
}

// The item itself, or nullopt when the object has no such item.
std::optional<Value> FindItem(const Value& object, const Value& key) {
  if (object.is_dict()) {
    const Value* value = object.dict().Find(key);
    if (value == nullptr) return std::nullopt;
    return *value;
  }
  const bool integer_key = key.is_int() || key.is_bool();
  if (object.is_sequence() && integer_key) {
    const std::optional<size_t> i = NormalizeIndex(key.int_value(), object.items().size());
    if (!i.has_value()) return std::nullopt;
    return object.items()[*i];
  }
  if (object.is_string() && integer_key) {
    const std::vector<char32_t> chars = DecodeUtf8(object.string_value());
    const std::optional<size_t> i = NormalizeIndex(key.int_value(), chars.size());
    if (!i.has_value()) return std::nullopt;
    return Value(EncodeUtf8({chars[*i]}));
  }
  return std::nullopt;
}

// The Python attribute, or nullopt when there is none.
std::optional<Value> FindAttribute(const Value& object, absl::string_view name) {
  if (absl::StartsWith(name, "_")) {
    return Value::Undefined(absl::StrCat("access to attribute '", name, "' of '", object.TypeName(),
                                         "' object is unsafe."));
  }
  if (object.is_namespace()) {
    const Value* value = object.namespace_object().attributes.Find(name);
    if (value == nullptr) return std::nullopt;
    return *value;
  }
  return GetMethod(object, name);
}

struct SliceBound {
  int64_t value;
  bool given;
};

absl::StatusOr<SliceBound> SliceArg(const Value& value) {
  if (value.is_none() || value.is_undefined()) return SliceBound{0, false};
  if (!value.is_int() && !value.is_bool()) {
    return RuntimeError("slice indices must be integers or None");
  }
  return SliceBound{value.int_value(), true};
}

// Python's PySlice_AdjustIndices: the positions a slice selects from `size` items.
absl::StatusOr<std::vector<size_t>> SlicePositions(size_t size, const Value& start_value,
                                                   const Value& stop_value,
                                                   const Value& step_value) {
  ASSIGN_OR_RETURN(const SliceBound start_arg, SliceArg(start_value));
  ASSIGN_OR_RETURN(const SliceBound stop_arg, SliceArg(stop_value));
  ASSIGN_OR_RETURN(const SliceBound step_arg, SliceArg(step_value));
  const int64_t step = step_arg.given ? step_arg.value : 1;
  if (step == 0) return RuntimeError("slice step cannot be zero");
  const int64_t n = static_cast<int64_t>(size);
  auto clamp = [&](SliceBound bound, int64_t missing) {
    if (!bound.given) return missing;
    int64_t v = bound.value;
    if (v < 0) {
      v += n;
      if (v < 0) v = step < 0 ? -1 : 0;
    } else if (v >= n) {
      v = step < 0 ? n - 1 : n;
    }
    return v;
  };
  const int64_t start = clamp(start_arg, step < 0 ? n - 1 : 0);
  const int64_t stop = clamp(stop_arg, step < 0 ? -1 : n);
  std::vector<size_t> positions;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
    positions.push_back(static_cast<size_t>(i));
  }
  return positions;
}

}  // namespace

absl::StatusOr<Value> GetAttr(const Value& object, absl::string_view name) {
  if (object.is_undefined()) return UndefinedError(object);
  if (std::optional<Value> attribute = FindAttribute(object, name)) return *attribute;
  const Value key(name);
  if (std::optional<Value> item = FindItem(object, key)) return *item;
  return Missing(object, key);
}

absl::StatusOr<Value> GetItem(const Value& object, const Value& key) {
  if (object.is_undefined()) return UndefinedError(object);
  if (std::optional<Value> item = FindItem(object, key)) return *item;
  if (key.is_string()) {
    if (std::optional<Value> attribute = FindAttribute(object, key.string_value())) {
      return *attribute;
    }
  }
  return Missing(object, key);
}

absl::StatusOr<Value> GetSlice(const Value& object, const Value& start, const Value& stop,
                               const Value& step) {
  if (object.is_undefined()) return UndefinedError(object);
  if (object.is_string()) {
    const std::vector<char32_t> chars = DecodeUtf8(object.string_value());
    ASSIGN_OR_RETURN(const std::vector<size_t> positions,
                     SlicePositions(chars.size(), start, stop, step));
    std::string out;
    for (size_t i : positions) AppendUtf8(chars[i], &out);
    return Value(std::move(out));
  }
  if (object.is_sequence()) {
    ASSIGN_OR_RETURN(const std::vector<size_t> positions,
                     SlicePositions(object.items().size(), start, stop, step));
    std::vector<Value> items;
    items.reserve(positions.size());
    for (size_t i : positions) items.push_back(object.items()[i]);
    return object.is_tuple() ? Value::Tuple(std::move(items)) : Value::List(std::move(items));
  }
  // Other objects cannot be sliced; jinja2 turns the TypeError into Undefined.
  return Value::Undefined(absl::StrCat("'", ObjectDescription(object), "' has no element slice"));
}

absl::StatusOr<Value> GetAttributePath(const Value& object, absl::string_view path) {
  Value current = object;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    int64_t index = 0;
    const Value key = absl::SimpleAtoi(part, &index) ? Value(index) : Value(part);
    ASSIGN_OR_RETURN(current, GetItem(current, key));
  }
  return current;
}

absl::StatusOr<std::vector<Value>> Iterate(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kList:
    case Value::Kind::kTuple:
      return value.items();
    case Value::Kind::kDict: {
      std::vector<Value> keys;
      keys.reserve(value.dict().size());
      for (const auto& entry : value.dict()) keys.push_back(entry.first);
      return keys;
    }
    case Value::Kind::kString: {
      std::vector<Value> chars;
      for (char32_t c : DecodeUtf8(value.string_value())) chars.push_back(Value(EncodeUtf8({c})));
      return chars;
    }
    case Value::Kind::kUndefined:
      return std::vector<Value>();
    default:
      return RuntimeError(absl::StrCat("'", value.TypeName(), "' object is not iterable"));
  }
}

}  // namespace llm::jinja
