// BindArgs: matches a call's positional and keyword arguments to a native function's
// parameters the way Python binds them to a signature. Stateless, thread-safe.
#ifndef LLM_COMMON_JINJA_ARGS_H_
#define LLM_COMMON_JINJA_ARGS_H_

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/jinja/value.h"

namespace llm::jinja {

struct Param {
  absl::string_view name;
  std::optional<Value> default_value;  // nullopt: the argument is required
};

// One value per parameter, in parameter order. Too many arguments, unknown or repeated
// keywords and missing required arguments are errors naming `function`.
absl::StatusOr<std::vector<Value>> BindArgs(absl::string_view function, const CallArgs& args,
                                            const std::vector<Param>& params);

// Integer argument (bool counts, as in Python); an error names the function.
absl::StatusOr<int64_t> IntArg(absl::string_view function, const Value& value);

}  // namespace llm::jinja

#endif  // LLM_COMMON_JINJA_ARGS_H_
