// The syntax tree of a parsed template: expressions and statements as the parser builds
// them and the interpreter walks them. Immutable after parsing; shared by renders.
#ifndef LLM_COMMON_JINJA_AST_H_
#define LLM_COMMON_JINJA_AST_H_

#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "common/jinja/value.h"

namespace llm::jinja::ast {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Arguments {
  std::vector<ExprPtr> positional;
  std::vector<std::pair<std::string, ExprPtr>> keyword;
};

struct Literal {
  Value value;
};
struct Name {
  std::string name;
};
struct ListLiteral {
  std::vector<ExprPtr> items;
  bool tuple = false;
};
struct DictLiteral {
  std::vector<std::pair<ExprPtr, ExprPtr>> items;
};
struct GetAttr {
  ExprPtr object;
  std::string name;
};
struct GetItem {
  ExprPtr object;
  ExprPtr key;
};
struct Slice {
  ExprPtr object;
  ExprPtr start, stop, step;  // each may be null
};
struct Call {
  ExprPtr callee;
  Arguments args;
};
// One filter application: name(args), applied to the value on its left.
struct FilterCall {
  std::string name;
  Arguments args;
};
struct Filter {
  ExprPtr operand;
  FilterCall filter;
};
struct Test {
  ExprPtr operand;
  std::string name;
  Arguments args;
  bool negated = false;
};
enum class UnaryOp { kNot, kNegate, kPlus };
struct Unary {
  UnaryOp op;
  ExprPtr operand;
};
enum class BinaryOp { kAdd, kSub, kMul, kDiv, kFloorDiv, kMod, kPow, kConcat, kAnd, kOr };
struct Binary {
  BinaryOp op;
  ExprPtr left, right;
};
enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe, kIn, kNotIn };
// a < b <= c: Python's chained comparison.
struct Compare {
  ExprPtr first;
  std::vector<std::pair<CompareOp, ExprPtr>> rest;
};
struct Conditional {
  ExprPtr condition, then_value;
  ExprPtr else_value;  // null: undefined when the condition is false
};

struct Expr {
  std::variant<Literal, Name, ListLiteral, DictLiteral, GetAttr, GetItem, Slice, Call, Filter, Test,
               Unary, Binary, Compare, Conditional>
      node;
  int line = 0;
};

struct Stmt;
using Body = std::vector<std::unique_ptr<Stmt>>;

// What `set`, `for` and `with` assign to: one name, names to unpack, or ns.attr.
struct Target {
  std::vector<std::string> names;  // more than one (or unpack): tuple unpacking
  bool unpack = false;
  std::string attribute;  // non-empty: names[0].attribute (namespace assignment)
};

struct Text {
  std::string text;
};
struct Output {
  ExprPtr expr;
};
struct If {
  std::vector<std::pair<ExprPtr, Body>> branches;  // if, elif...
  Body else_body;
};
struct For {
  Target target;
  ExprPtr iterable;
  ExprPtr condition;  // `for x in xs if cond`; may be null
  Body body;
  Body else_body;  // runs when no item was iterated
};
struct Set {
  Target target;
  ExprPtr value;
};
// {% set x | filters %}...{% endset %}
struct BlockSet {
  Target target;
  std::vector<FilterCall> filters;
  Body body;
};
struct MacroParam {
  std::string name;
  ExprPtr default_value;  // may be null
};
struct Macro {
  std::string name;
  std::vector<MacroParam> params;
  Body body;
};
// {% call(params) macro(args) %}body{% endcall %}: body is `caller` inside the macro.
struct CallBlock {
  ExprPtr call;
  std::vector<MacroParam> caller_params;
  Body body;
};
struct FilterBlock {
  std::vector<FilterCall> filters;
  Body body;
};
// A body with its own scope: {% with %} (after its assignments) and transformers'
// {% generation %}.
struct ScopedBlock {
  std::vector<std::pair<Target, ExprPtr>> assignments;
  Body body;
};
struct Break {};
struct Continue {};

struct Stmt {
  std::variant<Text, Output, If, For, Set, BlockSet, Macro, CallBlock, FilterBlock, ScopedBlock,
               Break, Continue>
      node;
  int line = 0;
};

}  // namespace llm::jinja::ast

#endif  // LLM_COMMON_JINJA_AST_H_
