// Lexer: splits template source into text and tag tokens the way jinja2's lexer does
// with trim_blocks=True and lstrip_blocks=True: "{%- -%}" / "{{- -}}" / "{#- -#}" strip
// whitespace, a block or comment tag eats the newline after it, whitespace before a
// block or comment tag on its own line is dropped ("{%+" keeps it), one trailing newline
// of the source is dropped, and "{% raw %}" bodies stay text. Stateless, thread-safe.
#ifndef LLM_COMMON_JINJA_LEXER_H_
#define LLM_COMMON_JINJA_LEXER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace llm::jinja {

struct Token {
  enum class Type {
    kText,
    kVariableBegin,  // {{
    kVariableEnd,    // }}
    kBlockBegin,     // {%
    kBlockEnd,       // %}
    kName,
    kString,  // value: the decoded string
    kInteger,
    kFloat,
    kOperator,  // value: the operator, e.g. "==" or "("
    kEnd,
  };
  Type type;
  std::string value;
  int line;
  int column;
};

// Tokens end with one kEnd token. Errors (an unclosed tag, comment or string, an
// unexpected character) name the line and column.
absl::StatusOr<std::vector<Token>> Tokenize(absl::string_view source);

}  // namespace llm::jinja

#endif  // LLM_COMMON_JINJA_LEXER_H_
