// Filters on single values: default/d, int, float, abs, round, tojson.
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/jinja/args.h"
#include "common/jinja/errors.h"
#include "common/jinja/filters.h"
#include "common/jinja/json.h"
#include "common/jinja/string_methods.h"
#include "common/status_macros.h"

namespace llm::jinja {
namespace {

absl::StatusOr<Value> Default(const Value& input, const CallArgs& args) {
  ASSIGN_OR_RETURN(
      const std::vector<Value> bound,
      BindArgs("default", args, {{"default_value", Value("")}, {"boolean", Value(false)}}));
  if (input.is_undefined() || (bound[1].Truthy() && !input.Truthy())) return bound[0];
  return input;
}

// Python's float(str): surrounding whitespace and "_" between digits allowed.
std::optional<double> ParsePythonFloat(const std::string& text) {
  const std::string stripped =
      absl::StrReplaceAll(PyStrip(text, std::nullopt, true, true), {{"_", ""}});
  if (stripped.empty()) return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(stripped.c_str(), &end);
  if (end != stripped.c_str() + stripped.size()) return std::nullopt;
  const std::string lower = absl::AsciiStrToLower(stripped);
  // strtod also reads hex floats and "infinity" spellings Python does not.
  if (lower.find('x') != std::string::npos) return std::nullopt;
  return value;
}

// Python's float(value), or nullopt where it raises TypeError or ValueError.
absl::StatusOr<std::optional<double>> ToFloat(const Value& value) {
  if (value.is_undefined()) return UndefinedError(value);
  if (value.is_number()) return std::optional<double>(value.number_value());
  if (value.is_string()) return ParsePythonFloat(value.string_value());
  return std::optional<double>();
}

absl::StatusOr<Value> Int(const Value& input, const CallArgs& args) {
  ASSIGN_OR_RETURN(const std::vector<Value> bound,
                   BindArgs("int", args, {{"default", Value(0)}, {"base", Value(10)}}));
  if (input.is_int() || input.is_bool()) return Value(input.int_value());
  if (input.is_string()) {
    ASSIGN_OR_RETURN(const int64_t base, IntArg("int", bound[1]));
    const std::string digits =
        absl::StrReplaceAll(PyStrip(input.string_value(), std::nullopt, true, true), {{"_", ""}});
    errno = 0;
    char* end = nullptr;
    const long long parsed =
        base >= 2 && base <= 36 ? std::strtoll(digits.c_str(), &end, static_cast<int>(base)) : 0;
    const bool ok = end != nullptr && !digits.empty() && *end == '\0' && errno == 0;
    if (ok) return Value(static_cast<int64_t>(parsed));
  }
  // jinja2 falls back to int(float(value)) so that "42.23" | int is 42.
  ASSIGN_OR_RETURN(const std::optional<double> number, ToFloat(input));
  if (!number.has_value() || std::isnan(*number)) return bound[0];
  if (std::isinf(*number)) return RuntimeError("cannot convert float infinity to integer");
  return Value(static_cast<int64_t>(*number));
}

absl::StatusOr<Value> Float(const Value& input, const CallArgs& args) {
  ASSIGN_OR_RETURN(const std::vector<Value> bound,
                   BindArgs("float", args, {{"default", Value(0.0)}}));
  ASSIGN_OR_RETURN(const std::optional<double> number, ToFloat(input));
  if (!number.has_value()) return bound[0];
  return Value(*number);
}

absl::StatusOr<Value> Abs(const Value& input, const CallArgs& args) {
  RETURN_IF_ERROR(BindArgs("abs", args, {}).status());
  if (input.is_float()) return Value(std::fabs(input.number_value()));
  if (input.is_int() || input.is_bool()) {
    if (input.int_value() == INT64_MIN) return RuntimeError("integer overflow");
    return Value(input.int_value() < 0 ? -input.int_value() : input.int_value());
  }
  return RuntimeError(absl::StrCat("bad operand type for abs(): '", input.TypeName(), "'"));
}

// Python's round(x, digits) for a float: correctly rounded, ties to even. glibc's printf
// rounds the exact binary value the same way.
double RoundFloat(double x, int64_t digits) {
  if (!std::isfinite(x) || digits > 300) return x;
  if (digits < 0) {
    const double scale = std::pow(10.0, static_cast<double>(-digits));
    return std::nearbyint(x / scale) * scale;
  }
  char buffer[512];
  std::snprintf(buffer, sizeof(buffer), "%.*f", static_cast<int>(digits), x);
  return std::strtod(buffer, nullptr);
}

absl::StatusOr<Value> Round(const Value& input, const CallArgs& args) {
  ASSIGN_OR_RETURN(const std::vector<Value> bound,
                   BindArgs("round", args, {{"precision", Value(0)}, {"method", Value("common")}}));
  ASSIGN_OR_RETURN(const int64_t precision, IntArg("round", bound[0]));
  const std::string method = bound[1].Str();
  if (method != "common" && method != "ceil" && method != "floor") {
    return RuntimeError("method must be 'common', 'ceil' or 'floor'");
  }
  if (input.is_undefined()) return UndefinedError(input);
  if (!input.is_number()) {
    return RuntimeError(absl::StrCat("type ", input.TypeName(), " doesn't define __round__"));
  }
  if (method == "common") {
    // round() of an int stays an int.
    if (!input.is_float() && precision >= 0) return Value(input.int_value());
    return Value(RoundFloat(input.number_value(), precision));
  }
  const double scale = std::pow(10.0, static_cast<double>(precision));
  const double scaled = input.number_value() * scale;
  return Value((method == "ceil" ? std::ceil(scaled) : std::floor(scaled)) / scale);
}

// transformers' tojson: json.dumps(value, ensure_ascii=False, indent=None,
// separators=None, sort_keys=False), each overridable.
absl::StatusOr<Value> ToJsonFilter(const Value& input, const CallArgs& args) {
  ASSIGN_OR_RETURN(const std::vector<Value> bound, BindArgs("tojson", args,
                                                            {{"ensure_ascii", Value(false)},
                                                             {"indent", Value::None()},
                                                             {"separators", Value::None()},
                                                             {"sort_keys", Value(false)}}));
  JsonOptions options;
  options.ensure_ascii = bound[0].Truthy();
  if (bound[1].is_string()) {
    options.indent = bound[1].string_value();
  } else if (!bound[1].is_none()) {
    ASSIGN_OR_RETURN(const int64_t width, IntArg("tojson", bound[1]));
    options.indent = std::string(std::max<int64_t>(width, 0), ' ');
  }
  if (!bound[2].is_none()) {
    if (!bound[2].is_sequence() || bound[2].items().size() != 2) {
      return RuntimeError("tojson: separators must be an (item, key) pair");
    }
    options.separators.emplace(bound[2].items()[0].Str(), bound[2].items()[1].Str());
  }
  options.sort_keys = bound[3].Truthy();
  ASSIGN_OR_RETURN(std::string json, ToJson(input, options));
  return Value(std::move(json));
}

}  // namespace

void AddValueFilters(FilterTable* table) {
  auto& t = *table;
  t["default"] = t["d"] = Default;
  t["int"] = Int;
  t["float"] = Float;
  t["abs"] = Abs;
  t["round"] = Round;
  t["tojson"] = ToJsonFilter;
}

}  // namespace llm::jinja
