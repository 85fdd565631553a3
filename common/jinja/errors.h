// The status codes a render fails with, one per kind of failure, so that callers can tell
// a template's own raise_exception() from a bug in the template or its input:
//   InvalidArgument    a Jinja runtime error (undefined value used, type error, ...)
//                      and parse errors (which name the line and column);
//   FailedPrecondition raise_exception(message): the status message is exactly `message`;
//   ResourceExhausted  a render limit was hit (loop iterations, output size, call depth).
#ifndef LLM_COMMON_JINJA_ERRORS_H_
#define LLM_COMMON_JINJA_ERRORS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/jinja/value.h"

namespace llm::jinja {

inline absl::Status RuntimeError(absl::string_view message) {
  return absl::InvalidArgumentError(message);
}

// The error of using an undefined value where jinja2 raises UndefinedError.
inline absl::Status UndefinedError(const Value& undefined) {
  return RuntimeError(undefined.undefined_message());
}

inline absl::Status TemplateRaised(absl::string_view message) {
  return absl::FailedPreconditionError(message);
}

inline absl::Status LimitExceeded(absl::string_view message) {
  return absl::ResourceExhaustedError(message);
}

}  // namespace llm::jinja

#endif  // LLM_COMMON_JINJA_ERRORS_H_
