#include "common/jinja/percent_format.h"

#include <cstdio>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/jinja/errors.h"
#include "common/jinja/utf8.h"
#include "common/status_macros.h"

namespace llm::jinja {
namespace {

struct Spec {
  std::string flags;
  int width = -1;
  int precision = -1;
  char conversion = 0;
};

std::string Pad(std::string text, const Spec& spec) {
  const size_t length = CodePointCount(text);
  if (spec.width < 0 || length >= static_cast<size_t>(spec.width)) return text;
  const std::string padding(spec.width - length, ' ');
  return spec.flags.find('-') != std::string::npos ? text + padding : padding + text;
}

// Formats a number with C's printf, which matches Python's for these conversions.
template <typename T>
std::string PrintfNumber(const Spec& spec, char conversion, T number) {
  std::string format = "%" + spec.flags;
  if (spec.width >= 0) absl::StrAppend(&format, spec.width);
  if (spec.precision >= 0) absl::StrAppend(&format, ".", spec.precision);
  if constexpr (std::is_integral_v<T>) format += "ll";
  format.push_back(conversion);
  char buffer[512];
  std::snprintf(buffer, sizeof(buffer), format.c_str(), number);
  return buffer;
}

absl::StatusOr<std::string> Convert(const Spec& spec, const Value& value) {
  switch (spec.conversion) {
    case 's':
    case 'r': {
      std::string text = spec.conversion == 's' ? value.Str() : value.Repr();
      if (spec.precision >= 0) {
        std::vector<char32_t> chars = DecodeUtf8(text);
        if (chars.size() > static_cast<size_t>(spec.precision)) chars.resize(spec.precision);
        text = EncodeUtf8(chars);
      }
      return Pad(std::move(text), spec);
    }
    case 'c':
      if (value.is_string() && CodePointCount(value.string_value()) == 1) {
        return Pad(value.string_value(), spec);
      }
      if (value.is_int()) {
        std::string text;
        AppendUtf8(static_cast<char32_t>(value.int_value()), &text);
        return Pad(std::move(text), spec);
      }
      return RuntimeError("%c requires int or char");
    default:
      break;
  }
  if (value.is_undefined()) return UndefinedError(value);
  if (!value.is_number()) {
    return RuntimeError(absl::StrCat("%", std::string(1, spec.conversion),
                                     " format: a real number is required, not ", value.TypeName()));
  }
  switch (spec.conversion) {
    case 'd':
    case 'i':
    case 'u':
      return PrintfNumber(
          spec, 'd',
          static_cast<long long>(value.is_float() ? static_cast<int64_t>(value.number_value())
                                                  : value.int_value()));
    case 'x':
    case 'X':
    case 'o':
      if (value.is_float()) return RuntimeError("%x format: an integer is required, not float");
      return PrintfNumber(spec, spec.conversion, static_cast<long long>(value.int_value()));
    default:
      return PrintfNumber(spec, spec.conversion, value.number_value());
  }
}

}  // namespace

absl::StatusOr<std::string> PercentFormat(absl::string_view format, const Value& args) {
  std::vector<Value> positional;
  if (args.is_tuple()) {
    positional = args.items();
  } else if (!args.is_dict()) {
    positional.push_back(args);
  }
  size_t next_arg = 0;
  std::string out;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      out.push_back(format[i]);
      continue;
    }
    if (++i >= format.size()) return RuntimeError("incomplete format");
    if (format[i] == '%') {
      out.push_back('%');
      continue;
    }
    const Value* value = nullptr;
    if (format[i] == '(') {
      const size_t close = format.find(')', i);
      if (close == absl::string_view::npos) return RuntimeError("incomplete format key");
      if (!args.is_dict()) return RuntimeError("format requires a mapping");
      value = args.dict().Find(format.substr(i + 1, close - i - 1));
      if (value == nullptr) {
        return RuntimeError(absl::StrCat("KeyError: '", format.substr(i + 1, close - i - 1), "'"));
      }
      i = close + 1;
    }
    Spec spec;
    while (i < format.size() &&
           absl::string_view("-+ #0").find(format[i]) != absl::string_view::npos) {
      spec.flags.push_back(format[i++]);
    }
    auto read_number = [&](int* number) {
      if (i >= format.size() || !absl::ascii_isdigit(format[i])) return;
      *number = 0;
      while (i < format.size() && absl::ascii_isdigit(format[i])) {
        *number = std::min(*number * 10 + (format[i++] - '0'), 1000);
      }
    };
    read_number(&spec.width);
    if (i < format.size() && format[i] == '.') {
      ++i;
      spec.precision = 0;
      read_number(&spec.precision);
    }
    if (i >= format.size()) return RuntimeError("incomplete format");
    spec.conversion = format[i];
    if (absl::string_view("srcdiuxXoeEfFgG").find(spec.conversion) == absl::string_view::npos) {
      return RuntimeError(
          absl::StrCat("unsupported format character '", std::string(1, spec.conversion), "'"));
    }
    if (value == nullptr) {
      if (args.is_dict()) {
        value = &args;
      } else if (next_arg < positional.size()) {
        value = &positional[next_arg++];
      } else {
        return RuntimeError("not enough arguments for format string");
      }
    }
    ASSIGN_OR_RETURN(const std::string converted, Convert(spec, *value));
    out += converted;
  }
  if (!args.is_dict() && next_arg < positional.size()) {
    return RuntimeError("not all arguments converted during string formatting");
  }
  return out;
}

}  // namespace llm::jinja
