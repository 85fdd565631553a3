// Python operators on template values: arithmetic (+ - * / // % **, with str and list
// concatenation and repetition, and printf-style str % args), jinja2's ~ concatenation,
// comparisons and membership. Type errors and undefined operands are runtime errors, as
// in jinja2. Stateless, thread-safe.
#ifndef LLM_COMMON_JINJA_OPERATORS_H_
#define LLM_COMMON_JINJA_OPERATORS_H_

#include "absl/status/statusor.h"
#include "common/jinja/ast.h"
#include "common/jinja/value.h"

namespace llm::jinja {

// Every binary operator except `and` / `or` (which short-circuit in the interpreter).
absl::StatusOr<Value> ApplyBinary(ast::BinaryOp op, const Value& left, const Value& right);
absl::StatusOr<Value> ApplyUnary(ast::UnaryOp op, const Value& operand);
absl::StatusOr<bool> ApplyCompare(ast::CompareOp op, const Value& left, const Value& right);

// Python ordering: negative, zero or positive as a < b, a == b, a > b; an error for
// values Python cannot order (str and int, dicts, None).
absl::StatusOr<int> CompareOrder(const Value& a, const Value& b);

// `item in container`.
absl::StatusOr<bool> Contains(const Value& container, const Value& item);

}  // namespace llm::jinja

#endif  // LLM_COMMON_JINJA_OPERATORS_H_
