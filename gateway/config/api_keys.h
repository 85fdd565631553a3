// The API keys the gateway accepts: GATEWAY_API_KEYS (comma-separated) and, with
// --api_keys_file, one key per line of that file (blank lines and # comments skipped).
// No keys at all means the API is open.
#ifndef LLM_GATEWAY_CONFIG_API_KEYS_H_
#define LLM_GATEWAY_CONFIG_API_KEYS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/env.h"

namespace llm {

// `file` may be empty (none). Errors name the file or the variable.
absl::StatusOr<std::vector<std::string>> LoadApiKeys(const EnvLookup& env,
                                                     const std::string& file);

}  // namespace llm

#endif  // LLM_GATEWAY_CONFIG_API_KEYS_H_
