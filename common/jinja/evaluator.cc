// Expression evaluation for Interpreter (see interpreter.h).
#include "absl/strings/str_cat.h"
#include "common/jinja/access.h"
#include "common/jinja/errors.h"
#include "common/jinja/filters.h"
#include "common/jinja/interpreter.h"
#include "common/jinja/limits.h"
#include "common/jinja/operators.h"
#include "common/jinja/value_tests.h"
#include "common/status_macros.h"

namespace llm::jinja {

absl::StatusOr<Value> Interpreter::Evaluate(const ast::Expr& expr, const ScopePtr& scope) {
  if (const auto* literal = std::get_if<ast::Literal>(&expr.node)) return literal->value;
  if (const auto* name = std::get_if<ast::Name>(&expr.node)) {
    const Value* value = scope->Find(name->name);
    if (value == nullptr) return Value::Undefined(absl::StrCat("'", name->name, "' is undefined"));
    return *value;
  }
  if (const auto* list = std::get_if<ast::ListLiteral>(&expr.node)) {
    std::vector<Value> items;
    for (const ast::ExprPtr& item : list->items) {
      ASSIGN_OR_RETURN(Value value, Evaluate(*item, scope));
      items.push_back(std::move(value));
    }
    return list->tuple ? Value::Tuple(std::move(items)) : Value::List(std::move(items));
  }
  if (const auto* dict = std::get_if<ast::DictLiteral>(&expr.node)) {
    Dict result;
    for (const auto& [key_expr, value_expr] : dict->items) {
      ASSIGN_OR_RETURN(Value key, Evaluate(*key_expr, scope));
      ASSIGN_OR_RETURN(Value value, Evaluate(*value_expr, scope));
      result.Set(std::move(key), std::move(value));
    }
    return Value::FromDict(std::move(result));
  }
  if (const auto* attr = std::get_if<ast::GetAttr>(&expr.node)) {
    ASSIGN_OR_RETURN(const Value object, Evaluate(*attr->object, scope));
    return GetAttr(object, attr->name);
  }
  if (const auto* item = std::get_if<ast::GetItem>(&expr.node)) {
    ASSIGN_OR_RETURN(const Value object, Evaluate(*item->object, scope));
    ASSIGN_OR_RETURN(const Value key, Evaluate(*item->key, scope));
    return GetItem(object, key);
  }
  if (const auto* slice = std::get_if<ast::Slice>(&expr.node)) {
    ASSIGN_OR_RETURN(const Value object, Evaluate(*slice->object, scope));
    Value bounds[3] = {Value::None(), Value::None(), Value::None()};
    const ast::ExprPtr* exprs[3] = {&slice->start, &slice->stop, &slice->step};
    for (int i = 0; i < 3; ++i) {
      if (*exprs[i] != nullptr) {
        ASSIGN_OR_RETURN(bounds[i], Evaluate(**exprs[i], scope));
      }
    }
    return GetSlice(object, bounds[0], bounds[1], bounds[2]);
  }
  if (const auto* call = std::get_if<ast::Call>(&expr.node)) {
    return EvaluateCall(*call, scope, nullptr);
  }
  if (const auto* filter = std::get_if<ast::Filter>(&expr.node)) {
    ASSIGN_OR_RETURN(const Value operand, Evaluate(*filter->operand, scope));
    ASSIGN_OR_RETURN(const CallArgs args, EvaluateArgs(filter->filter.args, scope));
    return ApplyFilter(filter->filter.name, operand, args);
  }
  if (const auto* test = std::get_if<ast::Test>(&expr.node)) {
    ASSIGN_OR_RETURN(const Value operand, Evaluate(*test->operand, scope));
    ASSIGN_OR_RETURN(const CallArgs args, EvaluateArgs(test->args, scope));
    ASSIGN_OR_RETURN(const bool result, ApplyTest(test->name, operand, args));
    return Value(result != test->negated);
  }
  if (const auto* unary = std::get_if<ast::Unary>(&expr.node)) {
    ASSIGN_OR_RETURN(const Value operand, Evaluate(*unary->operand, scope));
    return ApplyUnary(unary->op, operand);
  }
  if (const auto* binary = std::get_if<ast::Binary>(&expr.node)) {
    return EvaluateBinary(*binary, scope);
  }
  if (const auto* compare = std::get_if<ast::Compare>(&expr.node)) {
    return EvaluateCompare(*compare, scope);
  }
  const auto& conditional = std::get<ast::Conditional>(expr.node);
  ASSIGN_OR_RETURN(const Value condition, Evaluate(*conditional.condition, scope));
  if (condition.Truthy()) return Evaluate(*conditional.then_value, scope);
  if (conditional.else_value != nullptr) return Evaluate(*conditional.else_value, scope);
  return Value::Undefined(absl::StrCat("the inline if-expression on line ", expr.line,
                                       " evaluated to false and no else section was defined."));
}

absl::StatusOr<CallArgs> Interpreter::EvaluateArgs(const ast::Arguments& args,
                                                   const ScopePtr& scope) {
  CallArgs values;
  for (const ast::ExprPtr& arg : args.positional) {
    ASSIGN_OR_RETURN(Value value, Evaluate(*arg, scope));
    values.positional.push_back(std::move(value));
  }
  for (const auto& [name, arg] : args.keyword) {
    ASSIGN_OR_RETURN(Value value, Evaluate(*arg, scope));
    values.keyword.emplace_back(name, std::move(value));
  }
  return values;
}

absl::StatusOr<Value> Interpreter::EvaluateCall(const ast::Call& call, const ScopePtr& scope,
                                                const Value* caller) {
  ASSIGN_OR_RETURN(const Value callee, Evaluate(*call.callee, scope));
  ASSIGN_OR_RETURN(CallArgs args, EvaluateArgs(call.args, scope));
  if (caller != nullptr) args.keyword.emplace_back("caller", *caller);
  return CallFunction(callee, args);
}

absl::StatusOr<Value> Interpreter::CallFunction(const Value& callee, const CallArgs& args) {
  if (callee.is_undefined()) return UndefinedError(callee);
  if (!callee.is_function()) {
    return RuntimeError(absl::StrCat("'", callee.TypeName(), "' object is not callable"));
  }
  if (call_depth_ >= kMaxCallDepth) return LimitExceeded("calls nested too deeply");
  ++call_depth_;
  absl::StatusOr<Value> result = callee.function().call(args);
  --call_depth_;
  return result;
}

absl::StatusOr<Value> Interpreter::EvaluateBinary(const ast::Binary& binary,
                                                  const ScopePtr& scope) {
  ASSIGN_OR_RETURN(Value left, Evaluate(*binary.left, scope));
  // `and` / `or` short-circuit and yield an operand, as in Python.
  if (binary.op == ast::BinaryOp::kAnd) {
    if (!left.Truthy()) return left;
    return Evaluate(*binary.right, scope);
  }
  if (binary.op == ast::BinaryOp::kOr) {
    if (left.Truthy()) return left;
    return Evaluate(*binary.right, scope);
  }
  ASSIGN_OR_RETURN(const Value right, Evaluate(*binary.right, scope));
  return ApplyBinary(binary.op, left, right);
}

absl::StatusOr<Value> Interpreter::EvaluateCompare(const ast::Compare& compare,
                                                   const ScopePtr& scope) {
  ASSIGN_OR_RETURN(Value left, Evaluate(*compare.first, scope));
  for (const auto& [op, operand] : compare.rest) {
    ASSIGN_OR_RETURN(Value right, Evaluate(*operand, scope));
    ASSIGN_OR_RETURN(const bool holds, ApplyCompare(op, left, right));
    if (!holds) return Value(false);
    left = std::move(right);
  }
  return Value(true);
}

}  // namespace llm::jinja
