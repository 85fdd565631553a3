#include "common/jinja/parser.h"

#include <algorithm>
#include <initializer_list>
#include <string>

#include "absl/strings/str_join.h"
#include "common/jinja/expression_parser.h"
#include "common/jinja/lexer.h"
#include "common/jinja/token_stream.h"
#include "common/status_macros.h"

namespace llm::jinja {
namespace {

using EndTags = std::initializer_list<absl::string_view>;

constexpr int kMaxBlockDepth = 200;

class StatementParser {
 public:
  explicit StatementParser(std::vector<Token> tokens)
      : tokens_(std::move(tokens)), expressions_(&tokens_) {}

  absl::StatusOr<ast::Body> ParseTemplate() {
    std::string unused;
    return ParseBody({}, &unused);
  }

 private:
  template <typename Node>
  static std::unique_ptr<ast::Stmt> MakeStmt(Node node, int line) {
    auto stmt = std::make_unique<ast::Stmt>();
    stmt->node = std::move(node);
    stmt->line = line;
    return stmt;
  }

  // Statements up to a block tag named in `end_tags`; consumes "{% name" of that tag and
  // stores the name in `ended_by`.
  absl::StatusOr<ast::Body> ParseBody(EndTags end_tags, std::string* ended_by) {
    ast::Body body;
    while (true) {
      const Token& token = tokens_.current();
      const int line = token.line;
      switch (token.type) {
        case Token::Type::kText:
          body.push_back(MakeStmt(ast::Text{token.value}, line));
          tokens_.Next();
          break;
        case Token::Type::kVariableBegin: {
          tokens_.Next();
          ASSIGN_OR_RETURN(ast::ExprPtr expr, expressions_.ParseTuple());
          RETURN_IF_ERROR(tokens_.Expect(Token::Type::kVariableEnd, "'}}'"));
          body.push_back(MakeStmt(ast::Output{std::move(expr)}, line));
          break;
        }
        case Token::Type::kBlockBegin: {
          const Token& name = tokens_.peek();
          if (name.type == Token::Type::kName &&
              std::find(end_tags.begin(), end_tags.end(), name.value) != end_tags.end()) {
            *ended_by = name.value;
            tokens_.Next();
            tokens_.Next();
            return body;
          }
          tokens_.Next();
          ASSIGN_OR_RETURN(std::unique_ptr<ast::Stmt> stmt, ParseStatement());
          body.push_back(std::move(stmt));
          break;
        }
        case Token::Type::kEnd:
          if (end_tags.size() == 0) return body;
          return tokens_.Error(absl::StrCat("unexpected end of template, expected '",
                                            absl::StrJoin(end_tags, "' or '"), "'"));
        default:
          return tokens_.Unexpected("template text or a tag");
      }
    }
  }

  absl::Status ExpectBlockEnd() { return tokens_.Expect(Token::Type::kBlockEnd, "'%}'"); }

  // A body ending with the single tag `end_tag` ("{% endfor %}").
  absl::StatusOr<ast::Body> ParseBlock(absl::string_view end_tag) {
    std::string ended_by;
    ASSIGN_OR_RETURN(ast::Body body, ParseBody({end_tag}, &ended_by));
    RETURN_IF_ERROR(ExpectBlockEnd());
    return body;
  }

  absl::StatusOr<std::unique_ptr<ast::Stmt>> ParseStatement() {
    // Bounded so that deeply nested blocks cannot overflow the stack.
    if (block_depth_ >= kMaxBlockDepth) return tokens_.Error("blocks nested too deeply");
    ++block_depth_;
    absl::StatusOr<std::unique_ptr<ast::Stmt>> stmt = ParseTag();
    --block_depth_;
    return stmt;
  }

  absl::StatusOr<std::unique_ptr<ast::Stmt>> ParseTag() {
    const int line = tokens_.current().line;
    if (!tokens_.Is(Token::Type::kName)) return tokens_.Unexpected("a tag name");
    const std::string tag = tokens_.current().value;
    tokens_.Next();
    if (tag == "if") return ParseIf(line);
    if (tag == "for") return ParseFor(line);
    if (tag == "set") return ParseSet(line);
    if (tag == "macro") return ParseMacro(line);
    if (tag == "call") return ParseCallBlock(line);
    if (tag == "filter") return ParseFilterBlock(line);
    if (tag == "with" || tag == "generation") return ParseScopedBlock(tag, line);
    if (tag == "break" || tag == "continue") {
      if (loop_depth_ == 0) return tokens_.Error(absl::StrCat("'", tag, "' outside of a loop"));
      RETURN_IF_ERROR(ExpectBlockEnd());
      if (tag == "break") return MakeStmt(ast::Break{}, line);
      return MakeStmt(ast::Continue{}, line);
    }
    return tokens_.Error(absl::StrCat("unknown or unexpected tag '", tag, "'"));
  }

  absl::StatusOr<std::unique_ptr<ast::Stmt>> ParseIf(int line) {
    ast::If node;
    std::string ended_by = "elif";
    while (ended_by == "elif") {
      ASSIGN_OR_RETURN(ast::ExprPtr condition, expressions_.ParseTuple(false));
      RETURN_IF_ERROR(ExpectBlockEnd());
      ASSIGN_OR_RETURN(ast::Body body, ParseBody({"elif", "else", "endif"}, &ended_by));
      node.branches.emplace_back(std::move(condition), std::move(body));
    }
    if (ended_by == "else") {
      RETURN_IF_ERROR(ExpectBlockEnd());
      ASSIGN_OR_RETURN(node.else_body, ParseBody({"endif"}, &ended_by));
    }
    RETURN_IF_ERROR(ExpectBlockEnd());
    return MakeStmt(std::move(node), line);
  }

  // Names to assign: `x`, `k, v`, `(a, b)`; with `allow_attribute`, also `ns.attr`.
  absl::StatusOr<ast::Target> ParseTarget(absl::string_view end_name, bool allow_attribute) {
    ast::Target target;
    const bool parenthesized = tokens_.SkipOperator("(");
    while (true) {
      ASSIGN_OR_RETURN(std::string name, tokens_.ExpectName());
      target.names.push_back(std::move(name));
      if (allow_attribute && target.names.size() == 1 && !parenthesized &&
          tokens_.SkipOperator(".")) {
        ASSIGN_OR_RETURN(target.attribute, tokens_.ExpectName());
        return target;
      }
      if (!tokens_.SkipOperator(",")) break;
      target.unpack = true;
      if (tokens_.IsName(end_name) || tokens_.IsOperator(")") || tokens_.IsOperator("=")) break;
    }
    if (parenthesized) RETURN_IF_ERROR(tokens_.ExpectOperator(")"));
    return target;
  }

  absl::StatusOr<std::unique_ptr<ast::Stmt>> ParseFor(int line) {
    ast::For node;
    ASSIGN_OR_RETURN(node.target, ParseTarget("in", false));
    if (!tokens_.SkipName("in")) return tokens_.Unexpected("'in'");
    ASSIGN_OR_RETURN(node.iterable, expressions_.ParseTuple(false, "recursive"));
    if (tokens_.SkipName("if")) {
      ASSIGN_OR_RETURN(node.condition, expressions_.ParseExpression());
    }
    if (tokens_.IsName("recursive")) return tokens_.Error("recursive loops are not supported");
    RETURN_IF_ERROR(ExpectBlockEnd());
    std::string ended_by;
    ++loop_depth_;
    absl::StatusOr<ast::Body> body = ParseBody({"endfor", "else"}, &ended_by);
    --loop_depth_;
    if (!body.ok()) return body.status();
    node.body = *std::move(body);
    RETURN_IF_ERROR(ExpectBlockEnd());
    if (ended_by == "else") {
      ASSIGN_OR_RETURN(node.else_body, ParseBlock("endfor"));
    }
    return MakeStmt(std::move(node), line);
  }

  absl::StatusOr<std::vector<ast::FilterCall>> ParseFilterChain() {
    std::vector<ast::FilterCall> filters;
    do {
      ASSIGN_OR_RETURN(ast::FilterCall filter, expressions_.ParseFilterCall());
      filters.push_back(std::move(filter));
    } while (tokens_.SkipOperator("|"));
    return filters;
  }

  absl::StatusOr<std::unique_ptr<ast::Stmt>> ParseSet(int line) {
    ASSIGN_OR_RETURN(ast::Target target, ParseTarget("", true));
    if (tokens_.SkipOperator("=")) {
      ASSIGN_OR_RETURN(ast::ExprPtr value, expressions_.ParseTuple());
      RETURN_IF_ERROR(ExpectBlockEnd());
      return MakeStmt(ast::Set{std::move(target), std::move(value)}, line);
    }
    ast::BlockSet node;
    node.target = std::move(target);
    if (tokens_.SkipOperator("|")) {
      ASSIGN_OR_RETURN(node.filters, ParseFilterChain());
    }
    RETURN_IF_ERROR(ExpectBlockEnd());
    ASSIGN_OR_RETURN(node.body, ParseBlock("endset"));
    return MakeStmt(std::move(node), line);
  }

  // A macro body is its own function: break/continue cannot reach an enclosing loop.
  absl::StatusOr<ast::Body> ParseFunctionBody(absl::string_view end_tag) {
    const int saved_depth = loop_depth_;
    loop_depth_ = 0;
    absl::StatusOr<ast::Body> body = ParseBlock(end_tag);
    loop_depth_ = saved_depth;
    return body;
  }

  absl::StatusOr<std::unique_ptr<ast::Stmt>> ParseMacro(int line) {
    ast::Macro node;
    ASSIGN_OR_RETURN(node.name, tokens_.ExpectName());
    ASSIGN_OR_RETURN(node.params, expressions_.ParseParams());
    RETURN_IF_ERROR(ExpectBlockEnd());
    ASSIGN_OR_RETURN(node.body, ParseFunctionBody("endmacro"));
    return MakeStmt(std::move(node), line);
  }

  absl::StatusOr<std::unique_ptr<ast::Stmt>> ParseCallBlock(int line) {
    ast::CallBlock node;
    if (tokens_.IsOperator("(")) {
      ASSIGN_OR_RETURN(node.caller_params, expressions_.ParseParams());
    }
    ASSIGN_OR_RETURN(node.call, expressions_.ParseExpression());
    if (!std::holds_alternative<ast::Call>(node.call->node)) {
      return tokens_.Error("expected a call after 'call'");
    }
    RETURN_IF_ERROR(ExpectBlockEnd());
    ASSIGN_OR_RETURN(node.body, ParseFunctionBody("endcall"));
    return MakeStmt(std::move(node), line);
  }

  absl::StatusOr<std::unique_ptr<ast::Stmt>> ParseFilterBlock(int line) {
    ast::FilterBlock node;
    ASSIGN_OR_RETURN(node.filters, ParseFilterChain());
    RETURN_IF_ERROR(ExpectBlockEnd());
    ASSIGN_OR_RETURN(node.body, ParseBlock("endfilter"));
    return MakeStmt(std::move(node), line);
  }

  absl::StatusOr<std::unique_ptr<ast::Stmt>> ParseScopedBlock(const std::string& tag, int line) {
    ast::ScopedBlock node;
    while (tag == "with" && !tokens_.Is(Token::Type::kBlockEnd)) {
      if (!node.assignments.empty()) RETURN_IF_ERROR(tokens_.ExpectOperator(","));
      ASSIGN_OR_RETURN(ast::Target target, ParseTarget("", false));
      RETURN_IF_ERROR(tokens_.ExpectOperator("="));
      ASSIGN_OR_RETURN(ast::ExprPtr value, expressions_.ParseExpression());
      node.assignments.emplace_back(std::move(target), std::move(value));
    }
    RETURN_IF_ERROR(ExpectBlockEnd());
    ASSIGN_OR_RETURN(node.body, ParseBlock(absl::StrCat("end", tag)));
    return MakeStmt(std::move(node), line);
  }

  TokenStream tokens_;
  ExpressionParser expressions_;
  int loop_depth_ = 0;
  int block_depth_ = 0;
};

}  // namespace

absl::StatusOr<ast::Body> Parse(absl::string_view source) {
  ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(source));
  return StatementParser(std::move(tokens)).ParseTemplate();
}

}  // namespace llm::jinja
