#include "common/jinja/value_tests.h"

#include <functional>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/jinja/args.h"
#include "common/jinja/errors.h"
#include "common/jinja/filters.h"
#include "common/jinja/operators.h"
#include "common/jinja/utf8.h"
#include "common/status_macros.h"

namespace llm::jinja {
namespace {

using TestFunction = std::function<absl::StatusOr<bool>(const Value&, const CallArgs&)>;

// A test of the value alone.
TestFunction Unary(std::function<bool(const Value&)> test) {
  return [test](const Value& value, const CallArgs& args) -> absl::StatusOr<bool> {
    RETURN_IF_ERROR(BindArgs("test", args, {}).status());
    return test(value);
  };
}

// A test of the value against one argument.
TestFunction WithArgument(std::function<absl::StatusOr<bool>(const Value&, const Value&)> test) {
  return [test](const Value& value, const CallArgs& args) -> absl::StatusOr<bool> {
    ASSIGN_OR_RETURN(const std::vector<Value> bound, BindArgs("test", args, {{"other", {}}}));
    return test(value, bound[0]);
  };
}

TestFunction Comparison(ast::CompareOp op) {
  return WithArgument(
      [op](const Value& value, const Value& other) { return ApplyCompare(op, value, other); });
}

absl::StatusOr<bool> Divisible(const Value& value, const Value& divisor, bool want_zero) {
  ASSIGN_OR_RETURN(const Value remainder, ApplyBinary(ast::BinaryOp::kMod, value, divisor));
  return (remainder == Value(0)) == want_zero;
}

// Python's str.islower() / str.isupper(): some cased character, none of the other case.
bool HasCase(const Value& value, bool lower) {
  if (!value.is_string()) return false;
  bool cased = false;
  for (char32_t c : DecodeUtf8(value.string_value())) {
    if (!IsCased(c)) continue;
    if ((lower ? ToLower(c) : ToUpper(c)) != c) return false;
    cased = true;
  }
  return cased;
}

// Python's `is`: the same singleton or the same shared object.
bool SameAs(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kList:
    case Value::Kind::kTuple:
      return &a.items() == &b.items();
    case Value::Kind::kDict:
      return &a.dict() == &b.dict();
    default:
      return a == b;
  }
}

bool Iterable(const Value& v) {
  return v.is_string() || v.is_sequence() || v.is_dict() || v.is_undefined();
}

const absl::flat_hash_map<std::string, TestFunction>& Tests() {
  static const auto* tests = [] {
    auto* t = new absl::flat_hash_map<std::string, TestFunction>{
        {"defined", Unary([](const Value& v) { return !v.is_undefined(); })},
        {"undefined", Unary([](const Value& v) { return v.is_undefined(); })},
        {"none", Unary([](const Value& v) { return v.is_none(); })},
        {"boolean", Unary([](const Value& v) { return v.is_bool(); })},
        {"true", Unary([](const Value& v) { return v.is_bool() && v.bool_value(); })},
        {"false", Unary([](const Value& v) { return v.is_bool() && !v.bool_value(); })},
        {"integer", Unary([](const Value& v) { return v.is_int(); })},
        {"float", Unary([](const Value& v) { return v.is_float(); })},
        {"number", Unary([](const Value& v) { return v.is_number(); })},
        {"string", Unary([](const Value& v) { return v.is_string(); })},
        {"mapping", Unary([](const Value& v) { return v.is_dict(); })},
        // Like Python's iter() and len()/[] checks; Undefined supports both.
        {"iterable", Unary(Iterable)},
        {"sequence", Unary(Iterable)},
        // jinja2's Undefined defines __call__, so callable() is true for it too.
        {"callable", Unary([](const Value& v) { return v.is_function() || v.is_undefined(); })},
        {"lower", Unary([](const Value& v) { return HasCase(v, true); })},
        {"upper", Unary([](const Value& v) { return HasCase(v, false); })},
        {"divisibleby",
         WithArgument([](const Value& v, const Value& d) { return Divisible(v, d, true); })},
        {"in", WithArgument([](const Value& v, const Value& seq) { return Contains(seq, v); })},
        {"sameas", WithArgument([](const Value& v, const Value& other) -> absl::StatusOr<bool> {
           return SameAs(v, other);
         })},
        {"filter",
         Unary([](const Value& v) { return v.is_string() && IsKnownFilter(v.string_value()); })},
        {"test",
         Unary([](const Value& v) { return v.is_string() && IsKnownTest(v.string_value()); })},
    };
    for (const auto& [name, parity] : {std::pair("even", true), std::pair("odd", false)}) {
      const bool want_even = parity;
      (*t)[name] = [want_even](const Value& value, const CallArgs& args) -> absl::StatusOr<bool> {
        RETURN_IF_ERROR(BindArgs("test", args, {}).status());
        return Divisible(value, Value(2), want_even);
      };
    }
    const std::pair<std::vector<const char*>, ast::CompareOp> comparisons[] = {
        {{"eq", "equalto", "=="}, ast::CompareOp::kEq},    {{"ne", "!="}, ast::CompareOp::kNe},
        {{"lt", "lessthan", "<"}, ast::CompareOp::kLt},    {{"le", "<="}, ast::CompareOp::kLe},
        {{"gt", "greaterthan", ">"}, ast::CompareOp::kGt}, {{"ge", ">="}, ast::CompareOp::kGe}};
    for (const auto& [names, op] : comparisons) {
      for (const char* name : names) (*t)[name] = Comparison(op);
    }
    return t;
  }();
  return *tests;
}

}  // namespace

bool IsKnownTest(absl::string_view name) { return Tests().contains(name); }

absl::StatusOr<bool> ApplyTest(absl::string_view name, const Value& value, const CallArgs& args) {
  const auto it = Tests().find(name);
  if (it == Tests().end()) return RuntimeError(absl::StrCat("no test named '", name, "'"));
  return it->second(value, args);
}

}  // namespace llm::jinja
