// jinja2's tests, the `x is name(args)` predicates: defined, undefined, none, boolean,
// true, false, integer, float, number, string, mapping, iterable, sequence, callable,
// even, odd, divisibleby, eq/equalto/==, ne/!=, lt/<, le/<=, gt/>, ge/>=, in, sameas,
// lower, upper, filter, test. Stateless, thread-safe.
#ifndef LLM_COMMON_JINJA_VALUE_TESTS_H_
#define LLM_COMMON_JINJA_VALUE_TESTS_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/jinja/value.h"

namespace llm::jinja {

bool IsKnownTest(absl::string_view name);

// `value is name(args)`; an unknown name is an error.
absl::StatusOr<bool> ApplyTest(absl::string_view name, const Value& value, const CallArgs& args);

}  // namespace llm::jinja

#endif  // LLM_COMMON_JINJA_VALUE_TESTS_H_
