#include "common/jinja/expression_parser.h"

#include <cstdlib>
#include <optional>

#include "absl/strings/numbers.h"
#include "common/jinja/filters.h"
#include "common/jinja/value_tests.h"
#include "common/status_macros.h"

namespace llm::jinja {
namespace {

using ast::ExprPtr;

// Deepest syntax tree: bounds the recursion of parsing, evaluating and freeing it.
constexpr int kMaxDepth = 500;

template <typename Node>
ExprPtr MakeExpr(Node node, int line) {
  auto expr = std::make_unique<ast::Expr>();
  expr->node = std::move(node);
  expr->line = line;
  return expr;
}

// Tracks the depth of the tree being built: each nesting level and each operator of a
// left-leaning chain ("a + b + c") adds one; the depth is restored when the guard ends.
class DepthGuard {
 public:
  explicit DepthGuard(int* depth) : depth_(*depth), saved_(*depth) {}
  ~DepthGuard() { depth_ = saved_; }
  bool Deeper() { return ++depth_ <= kMaxDepth; }

 private:
  int& depth_;
  const int saved_;
};

}  // namespace

absl::StatusOr<ExprPtr> ExpressionParser::ParseExpression(bool with_conditional) {
  return with_conditional ? ParseConditional() : ParseOr();
}

bool ExpressionParser::AtTupleEnd(absl::string_view end_name) const {
  return tokens_.Is(Token::Type::kVariableEnd) || tokens_.Is(Token::Type::kBlockEnd) ||
         tokens_.IsOperator(")") || (!end_name.empty() && tokens_.IsName(end_name));
}

absl::StatusOr<ExprPtr> ExpressionParser::ParseTuple(bool with_conditional,
                                                     absl::string_view end_name) {
  const int line = tokens_.current().line;
  std::vector<ExprPtr> items;
  bool is_tuple = false;
  while (true) {
    if (!items.empty()) RETURN_IF_ERROR(tokens_.ExpectOperator(","));
    if (AtTupleEnd(end_name)) break;
    ASSIGN_OR_RETURN(ExprPtr item, ParseExpression(with_conditional));
    items.push_back(std::move(item));
    if (!tokens_.IsOperator(",")) break;
    is_tuple = true;
  }
  if (!is_tuple) {
    if (items.size() == 1) return std::move(items[0]);
    return tokens_.Unexpected("an expression");
  }
  return MakeExpr(ast::ListLiteral{std::move(items), true}, line);
}

absl::StatusOr<ExprPtr> ExpressionParser::ParseConditional() {
  DepthGuard guard(&depth_);
  const int line = tokens_.current().line;
  ASSIGN_OR_RETURN(ExprPtr value, ParseOr());
  while (tokens_.SkipName("if")) {
    if (!guard.Deeper()) return TooDeep();
    ASSIGN_OR_RETURN(ExprPtr condition, ParseOr());
    ExprPtr otherwise;
    if (tokens_.SkipName("else")) {
      ASSIGN_OR_RETURN(otherwise, ParseConditional());
    }
    value = MakeExpr(ast::Conditional{std::move(condition), std::move(value), std::move(otherwise)},
                     line);
  }
  return value;
}

absl::StatusOr<ExprPtr> ExpressionParser::ParseOr() {
  DepthGuard guard(&depth_);
  ASSIGN_OR_RETURN(ExprPtr left, ParseAnd());
  while (tokens_.IsName("or")) {
    if (!guard.Deeper()) return TooDeep();
    const int line = tokens_.current().line;
    tokens_.Next();
    ASSIGN_OR_RETURN(ExprPtr right, ParseAnd());
    left = MakeExpr(ast::Binary{ast::BinaryOp::kOr, std::move(left), std::move(right)}, line);
  }
  return left;
}

absl::StatusOr<ExprPtr> ExpressionParser::ParseAnd() {
  DepthGuard guard(&depth_);
  ASSIGN_OR_RETURN(ExprPtr left, ParseNot());
  while (tokens_.IsName("and")) {
    if (!guard.Deeper()) return TooDeep();
    const int line = tokens_.current().line;
    tokens_.Next();
    ASSIGN_OR_RETURN(ExprPtr right, ParseNot());
    left = MakeExpr(ast::Binary{ast::BinaryOp::kAnd, std::move(left), std::move(right)}, line);
  }
  return left;
}

absl::StatusOr<ExprPtr> ExpressionParser::ParseNot() {
  if (tokens_.IsName("not")) {
    const int line = tokens_.current().line;
    tokens_.Next();
    DepthGuard guard(&depth_);
    if (!guard.Deeper()) return TooDeep();
    ASSIGN_OR_RETURN(ExprPtr operand, ParseNot());
    return MakeExpr(ast::Unary{ast::UnaryOp::kNot, std::move(operand)}, line);
  }
  return ParseCompare();
}

absl::StatusOr<ExprPtr> ExpressionParser::ParseCompare() {
  DepthGuard guard(&depth_);
  const int line = tokens_.current().line;
  ASSIGN_OR_RETURN(ExprPtr first, ParseAdditive());
  std::vector<std::pair<ast::CompareOp, ExprPtr>> rest;
  static const std::pair<const char*, ast::CompareOp> kOperators[] = {
      {"==", ast::CompareOp::kEq}, {"!=", ast::CompareOp::kNe}, {"<", ast::CompareOp::kLt},
      {"<=", ast::CompareOp::kLe}, {">", ast::CompareOp::kGt},  {">=", ast::CompareOp::kGe}};
  while (true) {
    if (!guard.Deeper()) return TooDeep();
    std::optional<ast::CompareOp> op;
    for (const auto& [text, candidate] : kOperators) {
      if (tokens_.SkipOperator(text)) {
        op = candidate;
        break;
      }
    }
    if (!op.has_value()) {
      if (tokens_.SkipName("in")) {
        op = ast::CompareOp::kIn;
      } else if (tokens_.IsName("not") && tokens_.peek().type == Token::Type::kName &&
                 tokens_.peek().value == "in") {
        tokens_.Next();
        tokens_.Next();
        op = ast::CompareOp::kNotIn;
      } else {
        break;
      }
    }
    ASSIGN_OR_RETURN(ExprPtr operand, ParseAdditive());
    rest.emplace_back(*op, std::move(operand));
  }
  if (rest.empty()) return first;
  return MakeExpr(ast::Compare{std::move(first), std::move(rest)}, line);
}

absl::StatusOr<ExprPtr> ExpressionParser::ParseAdditive() {
  DepthGuard guard(&depth_);
  ASSIGN_OR_RETURN(ExprPtr left, ParseConcat());
  while (tokens_.IsOperator("+") || tokens_.IsOperator("-")) {
    if (!guard.Deeper()) return TooDeep();
    const int line = tokens_.current().line;
    const ast::BinaryOp op = tokens_.IsOperator("+") ? ast::BinaryOp::kAdd : ast::BinaryOp::kSub;
    tokens_.Next();
    ASSIGN_OR_RETURN(ExprPtr right, ParseConcat());
    left = MakeExpr(ast::Binary{op, std::move(left), std::move(right)}, line);
  }
  return left;
}

absl::StatusOr<ExprPtr> ExpressionParser::ParseConcat() {
  DepthGuard guard(&depth_);
  ASSIGN_OR_RETURN(ExprPtr left, ParseMultiplicative());
  while (tokens_.IsOperator("~")) {
    if (!guard.Deeper()) return TooDeep();
    const int line = tokens_.current().line;
    tokens_.Next();
    ASSIGN_OR_RETURN(ExprPtr right, ParseMultiplicative());
    left = MakeExpr(ast::Binary{ast::BinaryOp::kConcat, std::move(left), std::move(right)}, line);
  }
  return left;
}

absl::StatusOr<ExprPtr> ExpressionParser::ParseMultiplicative() {
  DepthGuard guard(&depth_);
  static const std::pair<const char*, ast::BinaryOp> kOperators[] = {
      {"*", ast::BinaryOp::kMul},
      {"/", ast::BinaryOp::kDiv},
      {"//", ast::BinaryOp::kFloorDiv},
      {"%", ast::BinaryOp::kMod}};
  ASSIGN_OR_RETURN(ExprPtr left, ParsePower());
  while (true) {
    if (!guard.Deeper()) return TooDeep();
    const int line = tokens_.current().line;
    std::optional<ast::BinaryOp> op;
    for (const auto& [text, candidate] : kOperators) {
      if (tokens_.SkipOperator(text)) {
        op = candidate;
        break;
      }
    }
    if (!op.has_value()) return left;
    ASSIGN_OR_RETURN(ExprPtr right, ParsePower());
    left = MakeExpr(ast::Binary{*op, std::move(left), std::move(right)}, line);
  }
}

absl::StatusOr<ExprPtr> ExpressionParser::ParsePower() {
  DepthGuard guard(&depth_);
  ASSIGN_OR_RETURN(ExprPtr left, ParseUnary(true));
  while (tokens_.IsOperator("**")) {
    if (!guard.Deeper()) return TooDeep();
    const int line = tokens_.current().line;
    tokens_.Next();
    ASSIGN_OR_RETURN(ExprPtr right, ParseUnary(true));
    left = MakeExpr(ast::Binary{ast::BinaryOp::kPow, std::move(left), std::move(right)}, line);
  }
  return left;
}

absl::StatusOr<ExprPtr> ExpressionParser::ParseUnary(bool with_filter) {
  DepthGuard guard(&depth_);
  if (!guard.Deeper()) return TooDeep();
  const int line = tokens_.current().line;
  ExprPtr node;
  if (tokens_.IsOperator("-") || tokens_.IsOperator("+")) {
    const ast::UnaryOp op = tokens_.IsOperator("-") ? ast::UnaryOp::kNegate : ast::UnaryOp::kPlus;
    tokens_.Next();
    ASSIGN_OR_RETURN(ExprPtr operand, ParseUnary(false));
    node = MakeExpr(ast::Unary{op, std::move(operand)}, line);
  } else {
    ASSIGN_OR_RETURN(node, ParsePrimary());
  }
  ASSIGN_OR_RETURN(node, ParsePostfix(std::move(node)));
  if (with_filter) return ParseFilterAndTest(std::move(node));
  return node;
}

absl::StatusOr<ExprPtr> ExpressionParser::ParsePrimary() {
  const Token& token = tokens_.current();
  const int line = token.line;
  switch (token.type) {
    case Token::Type::kName: {
      const std::string name = token.value;
      tokens_.Next();
      if (name == "true" || name == "True") return MakeExpr(ast::Literal{Value(true)}, line);
      if (name == "false" || name == "False") return MakeExpr(ast::Literal{Value(false)}, line);
      if (name == "none" || name == "None") return MakeExpr(ast::Literal{Value::None()}, line);
      return MakeExpr(ast::Name{name}, line);
    }
    case Token::Type::kString: {
      // Adjacent string literals concatenate, as in Python.
      std::string text;
      while (tokens_.Is(Token::Type::kString)) {
        text += tokens_.current().value;
        tokens_.Next();
      }
      return MakeExpr(ast::Literal{Value(std::move(text))}, line);
    }
    case Token::Type::kInteger: {
      int64_t number = 0;
      if (!absl::SimpleAtoi(token.value, &number)) return tokens_.Error("integer out of range");
      tokens_.Next();
      return MakeExpr(ast::Literal{Value(number)}, line);
    }
    case Token::Type::kFloat: {
      const double number = std::strtod(token.value.c_str(), nullptr);
      tokens_.Next();
      return MakeExpr(ast::Literal{Value(number)}, line);
    }
    default:
      break;
  }
  if (tokens_.SkipOperator("(")) {
    ASSIGN_OR_RETURN(ExprPtr inner, ParseSequence(")", true));
    return inner;
  }
  if (tokens_.SkipOperator("[")) return ParseSequence("]", false);
  if (tokens_.SkipOperator("{")) return ParseDict();
  return tokens_.Unexpected("an expression");
}

// After "(" or "[": items up to `close`; "(x)" is just x, "(x,)" and "()" are tuples.
absl::StatusOr<ExprPtr> ExpressionParser::ParseSequence(absl::string_view close, bool tuple) {
  const int line = tokens_.current().line;
  std::vector<ExprPtr> items;
  bool trailing_comma = false;
  while (!tokens_.IsOperator(close)) {
    if (!items.empty()) RETURN_IF_ERROR(tokens_.ExpectOperator(","));
    if (tokens_.IsOperator(close)) break;
    ASSIGN_OR_RETURN(ExprPtr item, ParseExpression());
    items.push_back(std::move(item));
    trailing_comma = tokens_.IsOperator(",");
  }
  RETURN_IF_ERROR(tokens_.ExpectOperator(close));
  if (tuple && items.size() == 1 && !trailing_comma) return std::move(items[0]);
  return MakeExpr(ast::ListLiteral{std::move(items), tuple}, line);
}

absl::StatusOr<ExprPtr> ExpressionParser::ParseDict() {
  const int line = tokens_.current().line;
  std::vector<std::pair<ExprPtr, ExprPtr>> items;
  while (!tokens_.IsOperator("}")) {
    if (!items.empty()) RETURN_IF_ERROR(tokens_.ExpectOperator(","));
    if (tokens_.IsOperator("}")) break;
    ASSIGN_OR_RETURN(ExprPtr key, ParseExpression());
    RETURN_IF_ERROR(tokens_.ExpectOperator(":"));
    ASSIGN_OR_RETURN(ExprPtr value, ParseExpression());
    items.emplace_back(std::move(key), std::move(value));
  }
  tokens_.Next();
  return MakeExpr(ast::DictLiteral{std::move(items)}, line);
}

absl::StatusOr<ExprPtr> ExpressionParser::ParsePostfix(ExprPtr node) {
  DepthGuard guard(&depth_);
  while (true) {
    if (!guard.Deeper()) return TooDeep();
    if (tokens_.IsOperator(".") || tokens_.IsOperator("[")) {
      ASSIGN_OR_RETURN(node, ParseSubscript(std::move(node)));
    } else if (tokens_.IsOperator("(")) {
      const int line = tokens_.current().line;
      ASSIGN_OR_RETURN(ast::Arguments args, ParseCallArgs());
      node = MakeExpr(ast::Call{std::move(node), std::move(args)}, line);
    } else {
      return node;
    }
  }
}

absl::StatusOr<ExprPtr> ExpressionParser::ParseFilterAndTest(ExprPtr node) {
  DepthGuard guard(&depth_);
  while (true) {
    if (!guard.Deeper()) return TooDeep();
    const int line = tokens_.current().line;
    if (tokens_.SkipOperator("|")) {
      ASSIGN_OR_RETURN(ast::FilterCall filter, ParseFilterCall());
      node = MakeExpr(ast::Filter{std::move(node), std::move(filter)}, line);
    } else if (tokens_.IsName("is")) {
      ASSIGN_OR_RETURN(node, ParseTest(std::move(node)));
    } else if (tokens_.IsOperator("(")) {
      ASSIGN_OR_RETURN(ast::Arguments args, ParseCallArgs());
      node = MakeExpr(ast::Call{std::move(node), std::move(args)}, line);
    } else {
      return node;
    }
  }
}

absl::StatusOr<ExprPtr> ExpressionParser::ParseSubscript(ExprPtr node) {
  const int line = tokens_.current().line;
  if (tokens_.SkipOperator(".")) {
    if (tokens_.Is(Token::Type::kName)) {
      std::string name = tokens_.current().value;
      tokens_.Next();
      return MakeExpr(ast::GetAttr{std::move(node), std::move(name)}, line);
    }
    if (tokens_.Is(Token::Type::kInteger)) {
      ASSIGN_OR_RETURN(ExprPtr index, ParsePrimary());
      return MakeExpr(ast::GetItem{std::move(node), std::move(index)}, line);
    }
    return tokens_.Unexpected("an attribute name");
  }
  RETURN_IF_ERROR(tokens_.ExpectOperator("["));
  std::vector<Subscript> parts;
  while (!tokens_.IsOperator("]")) {
    if (!parts.empty()) RETURN_IF_ERROR(tokens_.ExpectOperator(","));
    if (tokens_.IsOperator("]")) break;
    ASSIGN_OR_RETURN(Subscript part, ParseSubscribed());
    parts.push_back(std::move(part));
  }
  RETURN_IF_ERROR(tokens_.ExpectOperator("]"));
  if (parts.size() == 1 && parts[0].is_slice) {
    return MakeExpr(ast::Slice{std::move(node), std::move(parts[0].start), std::move(parts[0].stop),
                               std::move(parts[0].step)},
                    line);
  }
  std::vector<ExprPtr> keys;
  for (Subscript& part : parts) {
    if (part.is_slice) return tokens_.Error("multi-dimensional slices are not supported");
    keys.push_back(std::move(part.expr));
  }
  if (keys.empty()) return tokens_.Unexpected("a subscript");
  ExprPtr key = keys.size() == 1 ? std::move(keys[0])
                                 : MakeExpr(ast::ListLiteral{std::move(keys), true}, line);
  return MakeExpr(ast::GetItem{std::move(node), std::move(key)}, line);
}

// One subscript: an expression or a slice "start:stop:step" with any part left out.
absl::StatusOr<ExpressionParser::Subscript> ExpressionParser::ParseSubscribed() {
  Subscript part;
  if (!tokens_.IsOperator(":")) {
    ASSIGN_OR_RETURN(part.expr, ParseExpression());
    if (!tokens_.IsOperator(":")) return part;
    part.start = std::move(part.expr);
  }
  part.is_slice = true;
  tokens_.Next();
  auto at_part_end = [this] {
    return tokens_.IsOperator(":") || tokens_.IsOperator("]") || tokens_.IsOperator(",");
  };
  if (!at_part_end()) {
    ASSIGN_OR_RETURN(part.stop, ParseExpression());
  }
  if (tokens_.SkipOperator(":") && !at_part_end()) {
    ASSIGN_OR_RETURN(part.step, ParseExpression());
  }
  return part;
}

absl::StatusOr<std::string> ExpressionParser::ParseDottedName() {
  ASSIGN_OR_RETURN(std::string name, tokens_.ExpectName());
  while (tokens_.SkipOperator(".")) {
    ASSIGN_OR_RETURN(const std::string part, tokens_.ExpectName());
    name += "." + part;
  }
  return name;
}

absl::StatusOr<ast::FilterCall> ExpressionParser::ParseFilterCall() {
  ast::FilterCall filter;
  ASSIGN_OR_RETURN(filter.name, ParseDottedName());
  if (!IsKnownFilter(filter.name)) {
    return tokens_.Error(absl::StrCat("no filter named '", filter.name, "'"));
  }
  if (tokens_.IsOperator("(")) {
    ASSIGN_OR_RETURN(filter.args, ParseCallArgs());
  }
  return filter;
}

absl::StatusOr<ExprPtr> ExpressionParser::ParseTest(ExprPtr node) {
  const int line = tokens_.current().line;
  tokens_.Next();  // "is"
  ast::Test test;
  test.operand = std::move(node);
  test.negated = tokens_.SkipName("not");
  ASSIGN_OR_RETURN(test.name, ParseDottedName());
  if (!IsKnownTest(test.name)) {
    return tokens_.Error(absl::StrCat("no test named '", test.name, "'"));
  }
  const Token& next = tokens_.current();
  const bool starts_argument =
      next.type == Token::Type::kString || next.type == Token::Type::kInteger ||
      next.type == Token::Type::kFloat || tokens_.IsOperator("[") || tokens_.IsOperator("{") ||
      (next.type == Token::Type::kName && next.value != "else" && next.value != "or" &&
       next.value != "and");
  if (tokens_.IsOperator("(")) {
    ASSIGN_OR_RETURN(test.args, ParseCallArgs());
  } else if (starts_argument) {
    // `x is divisibleby 3`, `x is sameas none`: one argument without parentheses.
    if (tokens_.IsName("is")) return tokens_.Error("you cannot chain multiple tests with is");
    ASSIGN_OR_RETURN(ExprPtr argument, ParsePrimary());
    ASSIGN_OR_RETURN(argument, ParsePostfix(std::move(argument)));
    test.args.positional.push_back(std::move(argument));
  }
  return MakeExpr(std::move(test), line);
}

absl::StatusOr<ast::Arguments> ExpressionParser::ParseCallArgs() {
  RETURN_IF_ERROR(tokens_.ExpectOperator("("));
  ast::Arguments args;
  bool first = true;
  while (!tokens_.IsOperator(")")) {
    if (!first) RETURN_IF_ERROR(tokens_.ExpectOperator(","));
    first = false;
    if (tokens_.IsOperator(")")) break;
    if (tokens_.IsOperator("*") || tokens_.IsOperator("**")) {
      return tokens_.Error("*args and **kwargs in calls are not supported");
    }
    if (tokens_.Is(Token::Type::kName) && tokens_.peek().type == Token::Type::kOperator &&
        tokens_.peek().value == "=") {
      std::string name = tokens_.current().value;
      tokens_.Next();
      tokens_.Next();
      ASSIGN_OR_RETURN(ExprPtr value, ParseExpression());
      args.keyword.emplace_back(std::move(name), std::move(value));
    } else {
      if (!args.keyword.empty()) return tokens_.Error("positional argument after keyword argument");
      ASSIGN_OR_RETURN(ExprPtr value, ParseExpression());
      args.positional.push_back(std::move(value));
    }
  }
  tokens_.Next();
  return args;
}

absl::StatusOr<std::vector<ast::MacroParam>> ExpressionParser::ParseParams() {
  RETURN_IF_ERROR(tokens_.ExpectOperator("("));
  std::vector<ast::MacroParam> params;
  while (!tokens_.IsOperator(")")) {
    if (!params.empty()) RETURN_IF_ERROR(tokens_.ExpectOperator(","));
    if (tokens_.IsOperator(")")) break;
    ast::MacroParam param;
    ASSIGN_OR_RETURN(param.name, tokens_.ExpectName());
    if (tokens_.SkipOperator("=")) {
      ASSIGN_OR_RETURN(param.default_value, ParseExpression());
    } else if (!params.empty() && params.back().default_value != nullptr) {
      return tokens_.Error("non-default argument follows default argument");
    }
    params.push_back(std::move(param));
  }
  tokens_.Next();
  return params;
}

}  // namespace llm::jinja
