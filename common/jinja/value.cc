#include "common/jinja/value.h"

#include "absl/strings/str_cat.h"
#include "common/jinja/python_format.h"

namespace llm::jinja {
namespace {

std::string JoinRepr(const std::vector<Value>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    out += items[i].Repr();
  }
  return out;
}

std::string DictRepr(const Dict& dict) {
  std::string out = "{";
  bool first = true;
  for (const auto& [key, value] : dict) {
    if (!first) out += ", ";
    first = false;
    absl::StrAppend(&out, key.Repr(), ": ", value.Repr());
  }
  return out + "}";
}

}  // namespace

Value Value::Undefined(std::string message) {
  Value v;
  v.data_ = std::move(message);
  return v;
}

Value Value::None() {
  Value v;
  v.kind_ = Kind::kNone;
  v.data_ = std::monostate();
  return v;
}

Value Value::List(std::vector<Value> items) {
  Value v;
  v.kind_ = Kind::kList;
  v.data_ = std::make_shared<const std::vector<Value>>(std::move(items));
  return v;
}

Value Value::Tuple(std::vector<Value> items) {
  Value v = List(std::move(items));
  v.kind_ = Kind::kTuple;
  return v;
}

Value Value::FromDict(Dict dict) {
  Value v;
  v.kind_ = Kind::kDict;
  v.data_ = std::make_shared<const Dict>(std::move(dict));
  return v;
}

Value Value::MakeFunction(std::string name, NativeFunction call) {
  Value v;
  v.kind_ = Kind::kFunction;
  v.data_ = std::make_shared<const Function>(Function{std::move(name), std::move(call)});
  return v;
}

Value Value::MakeNamespace(Dict attributes) {
  Value v;
  v.kind_ = Kind::kNamespace;
  v.data_ = std::make_shared<Namespace>(Namespace{std::move(attributes)});
  return v;
}

double Value::number_value() const {
  return is_float() ? std::get<double>(data_) : static_cast<double>(int_value());
}

const std::vector<Value>& Value::items() const { return *std::get<ListPtr>(data_); }
const Dict& Value::dict() const { return *std::get<DictPtr>(data_); }
const Function& Value::function() const { return *std::get<FunctionPtr>(data_); }
Namespace& Value::namespace_object() const { return *std::get<NamespacePtr>(data_); }

bool Value::Truthy() const {
  switch (kind_) {
    case Kind::kUndefined:
    case Kind::kNone:
      return false;
    case Kind::kBool:
      return bool_value();
    case Kind::kInt:
      return int_value() != 0;
    case Kind::kFloat:
      return number_value() != 0.0;
    case Kind::kString:
      return !string_value().empty();
    case Kind::kList:
    case Kind::kTuple:
      return !items().empty();
    case Kind::kDict:
      return !dict().empty();
    case Kind::kFunction:
    case Kind::kNamespace:
      return true;
  }
  return false;
}

std::string Value::Str() const {
  switch (kind_) {
    case Kind::kUndefined:
      return "";
    case Kind::kString:
      return string_value();
    default:
      return Repr();
  }
}

std::string Value::Repr() const {
  switch (kind_) {
    case Kind::kUndefined:
      return "Undefined";
    case Kind::kNone:
      return "None";
    case Kind::kBool:
      return bool_value() ? "True" : "False";
    case Kind::kInt:
      return absl::StrCat(int_value());
    case Kind::kFloat:
      return FormatPythonFloat(number_value());
    case Kind::kString:
      return PythonStringRepr(string_value());
    case Kind::kList:
      return absl::StrCat("[", JoinRepr(items()), "]");
    case Kind::kTuple:
      return absl::StrCat("(", JoinRepr(items()), items().size() == 1 ? ",)" : ")");
    case Kind::kDict:
      return DictRepr(dict());
    case Kind::kFunction:
      return absl::StrCat("<function ", function().name, ">");
    case Kind::kNamespace:
      return absl::StrCat("<Namespace ", DictRepr(namespace_object().attributes), ">");
  }
  return "";
}

std::string Value::TypeName() const {
  switch (kind_) {
    case Kind::kUndefined:
      return "Undefined";
    case Kind::kNone:
      return "NoneType";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kFloat:
      return "float";
    case Kind::kString:
      return "str";
    case Kind::kList:
      return "list";
    case Kind::kTuple:
      return "tuple";
    case Kind::kDict:
      return "dict";
    case Kind::kFunction:
      return "function";
    case Kind::kNamespace:
      return "Namespace";
  }
  return "";
}

bool operator==(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.number_value() == b.number_value();
    return a.int_value() == b.int_value();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNone:
      return true;
    case Value::Kind::kString:
      return a.string_value() == b.string_value();
    case Value::Kind::kList:
    case Value::Kind::kTuple:
      return a.items() == b.items();
    case Value::Kind::kDict: {
      if (a.dict().size() != b.dict().size()) return false;
      for (const auto& [key, value] : a.dict()) {
        const Value* other = b.dict().Find(key);
        if (other == nullptr || *other != value) return false;
      }
      return true;
    }
    case Value::Kind::kFunction:
      return &a.function() == &b.function();
    case Value::Kind::kNamespace:
      return &a.namespace_object() == &b.namespace_object();
    default:
      return false;
  }
}

const Value* Dict::Find(const Value& key) const {
  for (const Entry& entry : entries_) {
    if (entry.first == key) return &entry.second;
  }
  return nullptr;
}

const Value* Dict::Find(absl::string_view key) const {
  for (const Entry& entry : entries_) {
    if (entry.first.is_string() && entry.first.string_value() == key) return &entry.second;
  }
  return nullptr;
}

void Dict::Set(Value key, Value value) {
  for (Entry& entry : entries_) {
    if (entry.first == key) {
      entry.second = std::move(value);
      return;
    }
  }
  entries_.emplace_back(std::move(key), std::move(value));
}

}  // namespace llm::jinja
