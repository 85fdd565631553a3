// Python str methods as templates call them on strings ('x'.strip(), s.split(',')), and
// the string helpers that filters share with them. Stateless, thread-safe.
#ifndef LLM_COMMON_JINJA_STRING_METHODS_H_
#define LLM_COMMON_JINJA_STRING_METHODS_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "common/jinja/value.h"

namespace llm::jinja {

// The bound method `text.name`, or nullopt when str has no such method here.
std::optional<Value> GetStringMethod(const std::string& text, absl::string_view name);

// str.strip / lstrip / rstrip: `chars` unset strips Unicode whitespace.
std::string PyStrip(absl::string_view text, const std::optional<std::string>& chars, bool left,
                    bool right);
// str.replace(old, new, count); count < 0 replaces all.
std::string PyReplace(absl::string_view text, absl::string_view old, absl::string_view with,
                      int64_t count);
// str.capitalize: first character upper case, the rest lower case.
std::string PyCapitalize(absl::string_view text);

}  // namespace llm::jinja

#endif  // LLM_COMMON_JINJA_STRING_METHODS_H_
