// Conversions between Value and JSON: RapidJSON documents in (object key order kept, as
// Python's json.loads keeps it), and Python json.dumps text out, the way transformers'
// tojson filter writes it (ensure_ascii=False). Stateless, thread-safe.
#ifndef LLM_COMMON_JINJA_JSON_H_
#define LLM_COMMON_JINJA_JSON_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/jinja/value.h"
#include "rapidjson/document.h"

namespace llm::jinja {

// Integers that fit int64 become ints; other numbers become floats.
Value FromJson(const rapidjson::Value& json);

absl::StatusOr<Value> ParseJson(absl::string_view text);

// json.dumps(value, ensure_ascii=False, indent=indent): with no indent the separators are
// ", " and ": "; with one, items go on their own lines indented by `indent`. Undefined,
// functions and namespaces are not serializable (an error, as in Python).
absl::StatusOr<std::string> ToJson(const Value& value, std::optional<std::string> indent);

}  // namespace llm::jinja

#endif  // LLM_COMMON_JINJA_JSON_H_
