// Conversions between Value and JSON: RapidJSON documents in (object key order kept, as
// Python's json.loads keeps it), and Python json.dumps text out, the way transformers'
// tojson filter writes it (ensure_ascii=False). Stateless, thread-safe.
#ifndef LLM_COMMON_JINJA_JSON_H_
#define LLM_COMMON_JINJA_JSON_H_

#include <optional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/jinja/value.h"
#include "rapidjson/document.h"

namespace llm::jinja {

// Integers that fit int64 become ints; other numbers become floats.
Value FromJson(const rapidjson::Value& json);

absl::StatusOr<Value> ParseJson(absl::string_view text);

// The json.dumps arguments transformers' tojson passes through.
struct JsonOptions {
  // Set: items go on their own lines, indented by this text per level.
  std::optional<std::string> indent;
  // Non-ASCII characters as \uXXXX escapes (tojson's default is false).
  bool ensure_ascii = false;
  // Item and key separators; unset: ", " and ": ", or "," and ": " when indenting.
  std::optional<std::pair<std::string, std::string>> separators;
  bool sort_keys = false;
};

// json.dumps(value, ...) as Python writes it. Undefined, functions and namespaces are
// not serializable (an error, as in Python).
absl::StatusOr<std::string> ToJson(const Value& value, const JsonOptions& options = {});

}  // namespace llm::jinja

#endif  // LLM_COMMON_JINJA_JSON_H_
