// Python methods of template values: str methods (see string_methods.h), dict.get /
// items / keys / values and list.index / count. Methods that would mutate a list or
// dict are unsafe in jinja2's immutable sandbox: they resolve to an Undefined whose use
// is an error ("access to attribute 'append' of 'list' object is unsafe.").
// Stateless, thread-safe.
#ifndef LLM_COMMON_JINJA_METHODS_H_
#define LLM_COMMON_JINJA_METHODS_H_

#include <optional>

#include "absl/strings/string_view.h"
#include "common/jinja/value.h"

namespace llm::jinja {

// The bound method `object.name` as a callable Value, or nullopt when there is none.
std::optional<Value> GetMethod(const Value& object, absl::string_view name);

}  // namespace llm::jinja

#endif  // LLM_COMMON_JINJA_METHODS_H_
