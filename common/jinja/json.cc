#include "common/jinja/json.h"

#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/jinja/python_format.h"
#include "common/status_macros.h"
#include "rapidjson/error/en.h"

namespace llm::jinja {
namespace {

void AppendJsonString(absl::string_view s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      case '\b':
        *out += "\\b";
        break;
      case '\f':
        *out += "\\f";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(out, "\\u%04x", static_cast<int>(c));
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

std::string JsonFloat(double x) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x > 0 ? "Infinity" : "-Infinity";
  return FormatPythonFloat(x);
}

// json.dumps turns non-string keys into strings: true, null, 1, 1.5.
absl::StatusOr<std::string> JsonKey(const Value& key) {
  switch (key.kind()) {
    case Value::Kind::kString:
      return key.string_value();
    case Value::Kind::kNone:
      return std::string("null");
    case Value::Kind::kBool:
      return std::string(key.bool_value() ? "true" : "false");
    case Value::Kind::kInt:
      return absl::StrCat(key.int_value());
    case Value::Kind::kFloat:
      return JsonFloat(key.number_value());
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "keys must be str, int, float, bool or None, not ", key.TypeName()));
  }
}

class JsonWriter {
 public:
  explicit JsonWriter(std::optional<std::string> indent) : indent_(std::move(indent)) {}

  absl::Status Write(const Value& value, int depth) {
    switch (value.kind()) {
      case Value::Kind::kNone:
        out_ += "null";
        return absl::OkStatus();
      case Value::Kind::kBool:
        out_ += value.bool_value() ? "true" : "false";
        return absl::OkStatus();
      case Value::Kind::kInt:
        absl::StrAppend(&out_, value.int_value());
        return absl::OkStatus();
      case Value::Kind::kFloat:
        out_ += JsonFloat(value.number_value());
        return absl::OkStatus();
      case Value::Kind::kString:
        AppendJsonString(value.string_value(), &out_);
        return absl::OkStatus();
      case Value::Kind::kList:
      case Value::Kind::kTuple:
        return WriteList(value.items(), depth);
      case Value::Kind::kDict:
        return WriteDict(value.dict(), depth);
      default:
        return absl::InvalidArgumentError(
            absl::StrCat("Object of type ", value.TypeName(), " is not JSON serializable"));
    }
  }

  std::string Take() { return std::move(out_); }

 private:
  // Before an item: a newline and indentation when indenting, else ", " between items.
  void Separate(bool first, int depth) {
    if (indent_.has_value()) {
      if (!first) out_ += ",";
      out_ += "\n";
      for (int i = 0; i < depth; ++i) out_ += *indent_;
    } else if (!first) {
      out_ += ", ";
    }
  }

  void Close(char bracket, int depth) {
    if (indent_.has_value()) Separate(true, depth);
    out_.push_back(bracket);
  }

  absl::Status WriteList(const std::vector<Value>& items, int depth) {
    if (items.empty()) {
      out_ += "[]";
      return absl::OkStatus();
    }
    out_ += "[";
    for (size_t i = 0; i < items.size(); ++i) {
      Separate(i == 0, depth + 1);
      RETURN_IF_ERROR(Write(items[i], depth + 1));
    }
    Close(']', depth);
    return absl::OkStatus();
  }

  absl::Status WriteDict(const Dict& dict, int depth) {
    if (dict.empty()) {
      out_ += "{}";
      return absl::OkStatus();
    }
    out_ += "{";
    bool first = true;
    for (const auto& [key, value] : dict) {
      Separate(first, depth + 1);
      first = false;
      ASSIGN_OR_RETURN(const std::string key_text, JsonKey(key));
      AppendJsonString(key_text, &out_);
      out_ += ": ";
      RETURN_IF_ERROR(Write(value, depth + 1));
    }
    Close('}', depth);
    return absl::OkStatus();
  }

  std::optional<std::string> indent_;
  std::string out_;
};

}  // namespace

Value FromJson(const rapidjson::Value& json) {
  switch (json.GetType()) {
    case rapidjson::kNullType:
      return Value::None();
    case rapidjson::kFalseType:
      return Value(false);
    case rapidjson::kTrueType:
      return Value(true);
    case rapidjson::kNumberType:
      if (json.IsInt64()) return Value(json.GetInt64());
      return Value(json.GetDouble());
    case rapidjson::kStringType:
      return Value(std::string(json.GetString(), json.GetStringLength()));
    case rapidjson::kArrayType: {
      std::vector<Value> items;
      items.reserve(json.Size());
      for (const rapidjson::Value& item : json.GetArray()) items.push_back(FromJson(item));
      return Value::List(std::move(items));
    }
    case rapidjson::kObjectType: {
      Dict dict;
      for (const auto& member : json.GetObject()) {
        dict.Set(FromJson(member.name), FromJson(member.value));
      }
      return Value::FromDict(std::move(dict));
    }
  }
  return Value::None();
}

absl::StatusOr<Value> ParseJson(absl::string_view text) {
  rapidjson::Document document;
  document.Parse<rapidjson::kParseFullPrecisionFlag>(text.data(), text.size());
  if (document.HasParseError()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid JSON at offset ", document.GetErrorOffset(), ": ",
                     rapidjson::GetParseError_En(document.GetParseError())));
  }
  return FromJson(document);
}

absl::StatusOr<std::string> ToJson(const Value& value, std::optional<std::string> indent) {
  JsonWriter writer(std::move(indent));
  RETURN_IF_ERROR(writer.Write(value, 0));
  return writer.Take();
}

}  // namespace llm::jinja
