// Parse: template source to a syntax tree, with jinja2's statements: if/elif/else,
// for (unpacking, loop filter, else), set (plain, block, namespace attribute), macro,
// call, filter, with, raw, break/continue (loopcontrols) and transformers' generation.
// Errors name the line and column. Stateless, thread-safe.
#ifndef LLM_COMMON_JINJA_PARSER_H_
#define LLM_COMMON_JINJA_PARSER_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/jinja/ast.h"

namespace llm::jinja {

absl::StatusOr<ast::Body> Parse(absl::string_view source);

}  // namespace llm::jinja

#endif  // LLM_COMMON_JINJA_PARSER_H_
