// Reading configuration from environment variables through a function, so that parsers
// are tested with a map instead of the process environment.
#ifndef LLM_COMMON_ENV_H_
#define LLM_COMMON_ENV_H_

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace llm {

// Returns the variable's value, or nullopt when it is unset.
using EnvLookup = std::function<std::optional<std::string>(absl::string_view name)>;

// Looks variables up in this process's environment.
EnvLookup ProcessEnv();

// Looks variables up in a fixed map (tests, and callers that assemble settings).
EnvLookup MapEnv(std::map<std::string, std::string> vars);

// "true"/"1"/"yes"/"on" and "false"/"0"/"no"/"off" (any case); unset or empty gives
// `fallback`; anything else is an error that names the variable.
absl::StatusOr<bool> EnvBool(const EnvLookup& env, absl::string_view name, bool fallback);

// A decimal integer in [min, max]; unset or empty gives `fallback`.
absl::StatusOr<int> EnvInt(const EnvLookup& env, absl::string_view name, int fallback, int min,
                           int max);

}  // namespace llm

#endif  // LLM_COMMON_ENV_H_
