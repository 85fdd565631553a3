#include "common/jinja/operators.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/jinja/errors.h"
#include "common/jinja/limits.h"
#include "common/jinja/percent_format.h"
#include "common/status_macros.h"

namespace llm::jinja {
namespace {

const char* Symbol(ast::BinaryOp op) {
  switch (op) {
    case ast::BinaryOp::kAdd:
      return "+";
    case ast::BinaryOp::kSub:
      return "-";
    case ast::BinaryOp::kMul:
      return "*";
    case ast::BinaryOp::kDiv:
      return "/";
    case ast::BinaryOp::kFloorDiv:
      return "//";
    case ast::BinaryOp::kMod:
      return "%";
    case ast::BinaryOp::kPow:
      return "**";
    default:
      return "?";
  }
}

absl::Status Unsupported(ast::BinaryOp op, const Value& a, const Value& b) {
  return RuntimeError(absl::StrCat("unsupported operand type(s) for ", Symbol(op), ": '",
                                   a.TypeName(), "' and '", b.TypeName(), "'"));
}

absl::Status Overflow() { return RuntimeError("integer overflow"); }

absl::StatusOr<Value> CheckedString(std::string s) {
  if (s.size() > kMaxStringBytes) return LimitExceeded("string too long");
  return Value(std::move(s));
}

absl::StatusOr<Value> Repeat(const Value& sequence, int64_t times) {
  times = std::max<int64_t>(times, 0);
  if (sequence.is_string()) {
    if (sequence.string_value().size() * static_cast<double>(times) > kMaxStringBytes) {
      return LimitExceeded("string too long");
    }
    std::string out;
    for (int64_t i = 0; i < times; ++i) out += sequence.string_value();
    return Value(std::move(out));
  }
  if (sequence.items().size() * static_cast<double>(times) > kMaxListItems) {
    return LimitExceeded("list too long");
  }
  std::vector<Value> out;
  for (int64_t i = 0; i < times; ++i) {
    out.insert(out.end(), sequence.items().begin(), sequence.items().end());
  }
  return sequence.is_tuple() ? Value::Tuple(std::move(out)) : Value::List(std::move(out));
}

bool IsInteger(const Value& v) { return v.is_int() || v.is_bool(); }

absl::StatusOr<Value> IntegerArithmetic(ast::BinaryOp op, int64_t a, int64_t b) {
  int64_t result = 0;
  switch (op) {
    case ast::BinaryOp::kAdd:
      if (__builtin_add_overflow(a, b, &result)) return Overflow();
      return Value(result);
    case ast::BinaryOp::kSub:
      if (__builtin_sub_overflow(a, b, &result)) return Overflow();
      return Value(result);
    case ast::BinaryOp::kMul:
      if (__builtin_mul_overflow(a, b, &result)) return Overflow();
      return Value(result);
    case ast::BinaryOp::kFloorDiv:
    case ast::BinaryOp::kMod: {
      if (b == 0) return RuntimeError("integer division or modulo by zero");
      if (a == INT64_MIN && b == -1) return Overflow();
      int64_t quotient = a / b;
      int64_t remainder = a % b;
      // Python floors the quotient; the remainder takes the divisor's sign.
      if (remainder != 0 && ((remainder < 0) != (b < 0))) {
        --quotient;
        remainder += b;
      }
      return Value(op == ast::BinaryOp::kFloorDiv ? quotient : remainder);
    }
    case ast::BinaryOp::kPow: {
      if (b < 0) return Value(std::pow(static_cast<double>(a), static_cast<double>(b)));
      result = 1;
      for (int64_t i = 0; i < b; ++i) {
        if (__builtin_mul_overflow(result, a, &result)) return Overflow();
        if (result == 0 || result == 1) break;
      }
      if (result == 1 && a == -1 && b % 2 == 1) result = -1;
      return Value(result);
    }
    default:
      return RuntimeError("unsupported integer operation");
  }
}

absl::StatusOr<Value> FloatArithmetic(ast::BinaryOp op, double a, double b) {
  switch (op) {
    case ast::BinaryOp::kAdd:
      return Value(a + b);
    case ast::BinaryOp::kSub:
      return Value(a - b);
    case ast::BinaryOp::kMul:
      return Value(a * b);
    case ast::BinaryOp::kDiv:
      if (b == 0) return RuntimeError("division by zero");
      return Value(a / b);
    case ast::BinaryOp::kFloorDiv:
    case ast::BinaryOp::kMod: {
      if (b == 0) return RuntimeError("float divmod()");
      // CPython's float divmod: the remainder takes the divisor's sign.
      double mod = std::fmod(a, b);
      double div = (a - mod) / b;
      if (mod != 0) {
        if ((b < 0) != (mod < 0)) {
          mod += b;
          div -= 1.0;
        }
      } else {
        mod = std::copysign(0.0, b);
      }
      if (op == ast::BinaryOp::kMod) return Value(mod);
      if (div == 0) return Value(std::copysign(0.0, a / b));
      double floor_div = std::floor(div);
      if (div - floor_div > 0.5) floor_div += 1.0;
      return Value(floor_div);
    }
    case ast::BinaryOp::kPow:
      return Value(std::pow(a, b));
    default:
      return RuntimeError("unsupported float operation");
  }
}

}  // namespace

absl::StatusOr<Value> ApplyBinary(ast::BinaryOp op, const Value& left, const Value& right) {
  if (op == ast::BinaryOp::kConcat) return CheckedString(left.Str() + right.Str());
  if (left.is_undefined()) return UndefinedError(left);
  if (right.is_undefined()) return UndefinedError(right);
  if (left.is_number() && right.is_number()) {
    if (IsInteger(left) && IsInteger(right) && op != ast::BinaryOp::kDiv) {
      return IntegerArithmetic(op, left.int_value(), right.int_value());
    }
    return FloatArithmetic(op, left.number_value(), right.number_value());
  }
  switch (op) {
    case ast::BinaryOp::kAdd:
      if (left.is_string() && right.is_string()) {
        return CheckedString(left.string_value() + right.string_value());
      }
      if (left.is_sequence() && left.kind() == right.kind()) {
        if (left.items().size() + right.items().size() > kMaxListItems) {
          return LimitExceeded("list too long");
        }
        std::vector<Value> items = left.items();
        items.insert(items.end(), right.items().begin(), right.items().end());
        return left.is_tuple() ? Value::Tuple(std::move(items)) : Value::List(std::move(items));
      }
      if (left.is_string()) {
        return RuntimeError(
            absl::StrCat("can only concatenate str (not \"", right.TypeName(), "\") to str"));
      }
      break;
    case ast::BinaryOp::kMul:
      if ((left.is_string() || left.is_sequence()) && IsInteger(right)) {
        return Repeat(left, right.int_value());
      }
      if (IsInteger(left) && (right.is_string() || right.is_sequence())) {
        return Repeat(right, left.int_value());
      }
      break;
    case ast::BinaryOp::kMod:
      if (left.is_string()) {
        ASSIGN_OR_RETURN(std::string formatted, PercentFormat(left.string_value(), right));
        return CheckedString(std::move(formatted));
      }
      break;
    default:
      break;
  }
  return Unsupported(op, left, right);
}

absl::StatusOr<Value> ApplyUnary(ast::UnaryOp op, const Value& operand) {
  if (op == ast::UnaryOp::kNot) return Value(!operand.Truthy());
  if (operand.is_undefined()) return UndefinedError(operand);
  if (!operand.is_number()) {
    return RuntimeError(absl::StrCat("bad operand type for unary ",
                                     op == ast::UnaryOp::kNegate ? "-" : "+", ": '",
                                     operand.TypeName(), "'"));
  }
  if (op == ast::UnaryOp::kPlus) {
    return operand.is_float() ? operand : Value(operand.int_value());
  }
  if (operand.is_float()) return Value(-operand.number_value());
  if (operand.int_value() == INT64_MIN) return Overflow();
  return Value(-operand.int_value());
}

absl::StatusOr<int> CompareOrder(const Value& a, const Value& b) {
  if (a.is_undefined()) return UndefinedError(a);
  if (b.is_undefined()) return UndefinedError(b);
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) {
      const double x = a.number_value();
      const double y = b.number_value();
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    return a.int_value() < b.int_value() ? -1 : (a.int_value() > b.int_value() ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) {
    // UTF-8 byte order is code point order.
    const int c = a.string_value().compare(b.string_value());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (a.is_sequence() && a.kind() == b.kind()) {
    const size_t n = std::min(a.items().size(), b.items().size());
    for (size_t i = 0; i < n; ++i) {
      if (a.items()[i] == b.items()[i]) continue;
      return CompareOrder(a.items()[i], b.items()[i]);
    }
    return a.items().size() < b.items().size() ? -1 : (a.items().size() > b.items().size());
  }
  return RuntimeError(absl::StrCat("'<' not supported between instances of '", a.TypeName(),
                                   "' and '", b.TypeName(), "'"));
}

absl::StatusOr<bool> Contains(const Value& container, const Value& item) {
  switch (container.kind()) {
    case Value::Kind::kString:
      if (!item.is_string()) {
        return RuntimeError(
            absl::StrCat("'in <string>' requires string as left operand, not ", item.TypeName()));
      }
      return container.string_value().find(item.string_value()) != std::string::npos;
    case Value::Kind::kList:
    case Value::Kind::kTuple:
      for (const Value& element : container.items()) {
        if (element == item) return true;
      }
      return false;
    case Value::Kind::kDict:
      return container.dict().Find(item) != nullptr;
    case Value::Kind::kUndefined:
      return false;  // Undefined iterates as empty
    default:
      return RuntimeError(
          absl::StrCat("argument of type '", container.TypeName(), "' is not iterable"));
  }
}

absl::StatusOr<bool> ApplyCompare(ast::CompareOp op, const Value& left, const Value& right) {
  switch (op) {
    case ast::CompareOp::kEq:
      return left == right;
    case ast::CompareOp::kNe:
      return left != right;
    case ast::CompareOp::kIn:
      return Contains(right, left);
    case ast::CompareOp::kNotIn: {
      ASSIGN_OR_RETURN(const bool found, Contains(right, left));
      return !found;
    }
    default:
      break;
  }
  ASSIGN_OR_RETURN(const int order, CompareOrder(left, right));
  switch (op) {
    case ast::CompareOp::kLt:
      return order < 0;
    case ast::CompareOp::kLe:
      return order <= 0;
    case ast::CompareOp::kGt:
      return order > 0;
    default:
      return order >= 0;
  }
}

}  // namespace llm::jinja
