// The global functions every template sees: range, dict, namespace, and transformers'
// raise_exception(message) (fails the render with exactly `message`, see errors.h) and
// strftime_now(format) (the local time). Stateless, thread-safe.
#ifndef LLM_COMMON_JINJA_BUILTINS_H_
#define LLM_COMMON_JINJA_BUILTINS_H_

#include "common/jinja/value.h"

namespace llm::jinja {

// Name to function.
const Dict& Globals();

}  // namespace llm::jinja

#endif  // LLM_COMMON_JINJA_BUILTINS_H_
