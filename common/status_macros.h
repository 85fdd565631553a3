// RETURN_IF_ERROR and ASSIGN_OR_RETURN for absl::Status / absl::StatusOr, which this
// Abseil release (20220623) does not ship yet.
#ifndef LLM_COMMON_STATUS_MACROS_H_
#define LLM_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define LLM_STATUS_CONCAT_INNER(a, b) a##b
#define LLM_STATUS_CONCAT(a, b) LLM_STATUS_CONCAT_INNER(a, b)

// Returns the status of `expr` from the enclosing function when it is not OK.
#define RETURN_IF_ERROR(expr)                  \
  do {                                         \
    ::absl::Status llm_status_ = (expr);       \
    if (!llm_status_.ok()) return llm_status_; \
  } while (false)

// `ASSIGN_OR_RETURN(auto x, MakeX());` declares (or assigns) `x` from a StatusOr, or
// returns its error from the enclosing function.
#define ASSIGN_OR_RETURN(lhs, expr) \
  LLM_ASSIGN_OR_RETURN_IMPL(LLM_STATUS_CONCAT(llm_statusor_, __LINE__), lhs, expr)

#define LLM_ASSIGN_OR_RETURN_IMPL(statusor, lhs, expr) \
  auto statusor = (expr);                              \
  if (!statusor.ok()) return statusor.status();        \
  lhs = std::move(statusor).value()

#endif  // LLM_COMMON_STATUS_MACROS_H_
