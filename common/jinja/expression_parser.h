// ExpressionParser: Jinja expressions with jinja2's grammar and precedence (conditional,
// or, and, not, comparisons, + -, ~, * / // %, **, unary, postfix, filters and tests).
// Unknown filter and test names are parse errors, as jinja2 reports them at compile time.
// Not thread-safe (one per parse).
#ifndef LLM_COMMON_JINJA_EXPRESSION_PARSER_H_
#define LLM_COMMON_JINJA_EXPRESSION_PARSER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/jinja/ast.h"
#include "common/jinja/token_stream.h"

namespace llm::jinja {

class ExpressionParser {
 public:
  explicit ExpressionParser(TokenStream* tokens) : tokens_(*tokens) {}

  // A full expression, with `a if c else b` when `with_conditional`.
  absl::StatusOr<ast::ExprPtr> ParseExpression(bool with_conditional = true);
  // Comma-separated expressions: one, or a tuple of several. `end_name` is a keyword that
  // also ends the list (`in` after a for target, for example).
  absl::StatusOr<ast::ExprPtr> ParseTuple(bool with_conditional = true,
                                          absl::string_view end_name = "");
  // `name(args)` after the `|` of a filter (or the first filter of a filter block).
  absl::StatusOr<ast::FilterCall> ParseFilterCall();
  // `(a, b=default, ...)`: macro and caller parameters.
  absl::StatusOr<std::vector<ast::MacroParam>> ParseParams();

 private:
  struct Subscript {
    ast::ExprPtr expr;  // the key, when not a slice
    bool is_slice = false;
    ast::ExprPtr start, stop, step;
  };

  absl::StatusOr<ast::ExprPtr> ParseConditional();
  absl::StatusOr<ast::ExprPtr> ParseOr();
  absl::StatusOr<ast::ExprPtr> ParseAnd();
  absl::StatusOr<ast::ExprPtr> ParseNot();
  absl::StatusOr<ast::ExprPtr> ParseCompare();
  absl::StatusOr<ast::ExprPtr> ParseAdditive();
  absl::StatusOr<ast::ExprPtr> ParseConcat();
  absl::StatusOr<ast::ExprPtr> ParseMultiplicative();
  absl::StatusOr<ast::ExprPtr> ParsePower();
  absl::StatusOr<ast::ExprPtr> ParseUnary(bool with_filter);
  absl::StatusOr<ast::ExprPtr> ParsePrimary();
  absl::StatusOr<ast::ExprPtr> ParseSequence(absl::string_view close, bool tuple);
  absl::StatusOr<ast::ExprPtr> ParseDict();
  absl::StatusOr<ast::ExprPtr> ParsePostfix(ast::ExprPtr node);
  absl::StatusOr<ast::ExprPtr> ParseFilterAndTest(ast::ExprPtr node);
  absl::StatusOr<ast::ExprPtr> ParseSubscript(ast::ExprPtr node);
  absl::StatusOr<Subscript> ParseSubscribed();
  absl::StatusOr<ast::ExprPtr> ParseTest(ast::ExprPtr node);
  absl::StatusOr<ast::Arguments> ParseCallArgs();
  absl::StatusOr<std::string> ParseDottedName();

  bool AtTupleEnd(absl::string_view end_name) const;
  absl::Status TooDeep() const { return tokens_.Error("expression nested too deeply"); }

  TokenStream& tokens_;
  int depth_ = 0;  // nesting, bounded so that hostile input cannot overflow the stack
};

}  // namespace llm::jinja

#endif  // LLM_COMMON_JINJA_EXPRESSION_PARSER_H_
