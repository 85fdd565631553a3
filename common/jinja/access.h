// Attribute, item and slice access with jinja2's sandboxed semantics: `x.name` tries the
// Python attribute (a method such as str.strip) before the dict key, `x[key]` the item
// before the attribute; a missing one is Undefined (not an error) and using an Undefined
// as the object is an error. Attributes starting with "_" and methods that mutate
// (list.append, dict.update, ...) are unsafe: Undefined that fails when called.
// Stateless, thread-safe.
#ifndef LLM_COMMON_JINJA_ACCESS_H_
#define LLM_COMMON_JINJA_ACCESS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/jinja/value.h"

namespace llm::jinja {

absl::StatusOr<Value> GetAttr(const Value& object, absl::string_view name);
absl::StatusOr<Value> GetItem(const Value& object, const Value& key);
// object[start:stop:step] on a list, tuple or string (by code point); None or Undefined
// bounds are left out.
absl::StatusOr<Value> GetSlice(const Value& object, const Value& start, const Value& stop,
                               const Value& step);
// "a.b.0" as the attribute= argument of filters reads it: each part an item lookup,
// numeric parts as integer indices.
absl::StatusOr<Value> GetAttributePath(const Value& object, absl::string_view path);

// The items `for x in value` visits: list and tuple items, dict keys, string characters,
// nothing for Undefined; an error for values Python cannot iterate.
absl::StatusOr<std::vector<Value>> Iterate(const Value& value);

}  // namespace llm::jinja

#endif  // LLM_COMMON_JINJA_ACCESS_H_
