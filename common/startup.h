// Start-up helpers shared by the servers' main(): flag parsing and failing fast. A bad
// flag or setting ends the process with one line on stderr, "<program>: <what>: <why>",
// and exit status 1, so operators and scripts see the cause at once.
#ifndef LLM_COMMON_STARTUP_H_
#define LLM_COMMON_STARTUP_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace llm {

// Parses absl flags; positional arguments are an error (settings are flags and env).
void ParseFlagsOrExit(int argc, char** argv, absl::string_view usage);

[[noreturn]] void ExitWithError(absl::string_view what, const absl::Status& status);

inline void ExitIfError(absl::string_view what, const absl::Status& status) {
  if (!status.ok()) ExitWithError(what, status);
}

template <typename T>
T ValueOrExit(absl::StatusOr<T> value, absl::string_view what) {
  if (!value.ok()) ExitWithError(what, value.status());
  return *std::move(value);
}

}  // namespace llm

#endif  // LLM_COMMON_STARTUP_H_
