// TokenStream: a cursor over the lexer's tokens for the parsers, with the checks and
// "line L, column C: ..." errors they share. Not thread-safe (one per parse).
#ifndef LLM_COMMON_JINJA_TOKEN_STREAM_H_
#define LLM_COMMON_JINJA_TOKEN_STREAM_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/jinja/lexer.h"

namespace llm::jinja {

class TokenStream {
 public:
  // `tokens` ends with a kEnd token.
  explicit TokenStream(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  const Token& current() const { return tokens_[pos_]; }
  const Token& peek() const { return tokens_[pos_ + 1 < tokens_.size() ? pos_ + 1 : pos_]; }
  void Next() {
    if (pos_ + 1 < tokens_.size()) ++pos_;
  }

  bool Is(Token::Type type) const { return current().type == type; }
  bool IsOperator(absl::string_view op) const {
    return Is(Token::Type::kOperator) && current().value == op;
  }
  bool IsName(absl::string_view name) const {
    return Is(Token::Type::kName) && current().value == name;
  }
  // Consumes the operator or name if it is next.
  bool SkipOperator(absl::string_view op) {
    if (!IsOperator(op)) return false;
    Next();
    return true;
  }
  bool SkipName(absl::string_view name) {
    if (!IsName(name)) return false;
    Next();
    return true;
  }

  absl::Status Error(absl::string_view message) const {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", current().line, ", column ", current().column, ": ", message));
  }
  absl::Status Unexpected(absl::string_view expected) const {
    return Error(absl::StrCat("expected ", expected, ", got ", Describe(current())));
  }

  absl::Status ExpectOperator(absl::string_view op) {
    if (!SkipOperator(op)) return Unexpected(absl::StrCat("'", op, "'"));
    return absl::OkStatus();
  }
  absl::Status Expect(Token::Type type, absl::string_view what) {
    if (!Is(type)) return Unexpected(what);
    Next();
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> ExpectName() {
    if (!Is(Token::Type::kName)) return Unexpected("a name");
    std::string name = current().value;
    Next();
    return name;
  }

  static std::string Describe(const Token& token) {
    switch (token.type) {
      case Token::Type::kText:
        return "template text";
      case Token::Type::kVariableBegin:
        return "'{{'";
      case Token::Type::kVariableEnd:
        return "'}}'";
      case Token::Type::kBlockBegin:
        return "'{%'";
      case Token::Type::kBlockEnd:
        return "'%}'";
      case Token::Type::kEnd:
        return "end of template";
      default:
        return absl::StrCat("'", token.value, "'");
    }
  }

 private:
  std::vector<Token> tokens_;
  size_t pos_ = 0;
};

}  // namespace llm::jinja

#endif  // LLM_COMMON_JINJA_TOKEN_STREAM_H_
