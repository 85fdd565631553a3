#include "common/jinja/json.h"

#include <algorithm>
#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/jinja/python_format.h"
#include "common/jinja/utf8.h"
#include "common/status_macros.h"
#include "rapidjson/error/en.h"

namespace llm::jinja {
namespace {

// One character of a JSON string as json.dumps escapes it.
void AppendJsonChar(char32_t c, bool ensure_ascii, std::string* out) {
  switch (c) {
    case '"':
      *out += "\\\"";
      return;
    case '\\':
      *out += "\\\\";
      return;
    case '\n':
      *out += "\\n";
      return;
    case '\r':
      *out += "\\r";
      return;
    case '\t':
      *out += "\\t";
      return;
    case '\b':
      *out += "\\b";
      return;
    case '\f':
      *out += "\\f";
      return;
    default:
      break;
  }
  if (c < 0x20 || (ensure_ascii && c >= 0x80 && c < 0x10000)) {
    absl::StrAppendFormat(out, "\\u%04x", static_cast<uint32_t>(c));
  } else if (ensure_ascii && c >= 0x10000) {
    // Astral characters become a UTF-16 surrogate pair.
    const uint32_t v = static_cast<uint32_t>(c) - 0x10000;
    absl::StrAppendFormat(out, "\\u%04x\\u%04x", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF));
  } else {
    AppendUtf8(c, out);
  }
}

void AppendJsonString(absl::string_view s, bool ensure_ascii, std::string* out) {
  out->push_back('"');
  for (char32_t c : DecodeUtf8(s)) AppendJsonChar(c, ensure_ascii, out);
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
      return absl::InvalidArgumentError(
          absl::StrCat("keys must be str, int, float, bool or None, not ", key.TypeName()));
  }
}

class JsonWriter {
 public:
  explicit JsonWriter(const JsonOptions& options) : options_(options) {
    if (options.separators.has_value()) {
      item_separator_ = options.separators->first;
      key_separator_ = options.separators->second;
    } else {
      item_separator_ = options.indent.has_value() ? "," : ", ";
      key_separator_ = ": ";
    }
  }

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
        AppendJsonString(value.string_value(), options_.ensure_ascii, &out_);
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
  // Before an item: the item separator after the first, then a newline and indentation
  // when indenting.
  void Separate(bool first, int depth) {
    if (!first) out_ += item_separator_;
    NewLine(depth);
  }

  void NewLine(int depth) {
    if (!options_.indent.has_value()) return;
    out_ += "\n";
    for (int i = 0; i < depth; ++i) out_ += *options_.indent;
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
    NewLine(depth);
    out_ += "]";
    return absl::OkStatus();
  }

  absl::Status WriteDict(const Dict& dict, int depth) {
    if (dict.empty()) {
      out_ += "{}";
      return absl::OkStatus();
    }
    std::vector<const Dict::Entry*> entries;
    for (const Dict::Entry& entry : dict) entries.push_back(&entry);
    if (options_.sort_keys) RETURN_IF_ERROR(SortByKey(&entries));
    out_ += "{";
    for (size_t i = 0; i < entries.size(); ++i) {
      Separate(i == 0, depth + 1);
      ASSIGN_OR_RETURN(const std::string key, JsonKey(entries[i]->first));
      AppendJsonString(key, options_.ensure_ascii, &out_);
      out_ += key_separator_;
      RETURN_IF_ERROR(Write(entries[i]->second, depth + 1));
    }
    NewLine(depth);
    out_ += "}";
    return absl::OkStatus();
  }

  static absl::Status SortByKey(std::vector<const Dict::Entry*>* entries) {
    absl::Status error;
    std::stable_sort(
        entries->begin(), entries->end(), [&error](const Dict::Entry* a, const Dict::Entry* b) {
          const Value& x = a->first;
          const Value& y = b->first;
          if (x.is_string() && y.is_string()) return x.string_value() < y.string_value();
          if (x.is_number() && y.is_number()) return x.number_value() < y.number_value();
          error =
              absl::InvalidArgumentError(absl::StrCat("'<' not supported between instances of '",
                                                      x.TypeName(), "' and '", y.TypeName(), "'"));
          return false;
        });
    return error;
  }

  const JsonOptions& options_;
  std::string item_separator_;
  std::string key_separator_;
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

absl::StatusOr<std::string> ToJson(const Value& value, const JsonOptions& options) {
  JsonWriter writer(options);
  RETURN_IF_ERROR(writer.Write(value, 0));
  return writer.Take();
}

}  // namespace llm::jinja
