// String filters: trim, lower, upper, capitalize, title, replace, string, safe, indent,
// center, wordcount, format, escape/e.
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/jinja/args.h"
#include "common/jinja/errors.h"
#include "common/jinja/filters.h"
#include "common/jinja/percent_format.h"
#include "common/jinja/string_methods.h"
#include "common/jinja/utf8.h"
#include "common/status_macros.h"

namespace llm::jinja {
namespace {

// A filter of the value's text alone.
FilterFunction TextFilter(absl::string_view name, std::function<std::string(std::string)> f) {
  return [name, f](const Value& input, const CallArgs& args) -> absl::StatusOr<Value> {
    RETURN_IF_ERROR(BindArgs(name, args, {}).status());
    return Value(f(input.Str()));
  };
}

bool IsTitleBoundary(char32_t c) {
  return c == '-' || c == '(' || c == '{' || c == '[' || c == '<' || IsPythonSpace(c);
}

// jinja2's title: a word starts after "-", whitespace or an opening bracket, so
// "o'neil" stays "O'neil" (unlike str.title).
std::string Title(std::string text) {
  std::vector<char32_t> chars = DecodeUtf8(text);
  bool word_start = true;
  for (char32_t& c : chars) {
    if (IsTitleBoundary(c)) {
      word_start = true;
      continue;
    }
    c = word_start ? ToUpper(c) : ToLower(c);
    word_start = false;
  }
  return EncodeUtf8(chars);
}

bool IsLineBreak(char32_t c) {
  return c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || (c >= 0x1C && c <= 0x1E) ||
         c == 0x85 || c == 0x2028 || c == 0x2029;
}

// Python's str.splitlines().
std::vector<std::string> SplitLines(absl::string_view text) {
  std::vector<std::string> lines;
  const std::vector<char32_t> chars = DecodeUtf8(text);
  std::vector<char32_t> line;
  for (size_t i = 0; i < chars.size(); ++i) {
    if (!IsLineBreak(chars[i])) {
      line.push_back(chars[i]);
      continue;
    }
    if (chars[i] == '\r' && i + 1 < chars.size() && chars[i + 1] == '\n') ++i;
    lines.push_back(EncodeUtf8(line));
    line.clear();
  }
  if (!line.empty()) lines.push_back(EncodeUtf8(line));
  return lines;
}

absl::StatusOr<Value> Indent(const Value& input, const CallArgs& args) {
  ASSIGN_OR_RETURN(
      const std::vector<Value> bound,
      BindArgs("indent", args,
               {{"width", Value(4)}, {"first", Value(false)}, {"blank", Value(false)}}));
  std::string indentation;
  if (bound[0].is_string()) {
    indentation = bound[0].string_value();
  } else {
    ASSIGN_OR_RETURN(const int64_t width, IntArg("indent", bound[0]));
    indentation = std::string(std::max<int64_t>(width, 0), ' ');
  }
  // jinja2 appends a newline first so that a trailing newline survives splitlines().
  std::vector<std::string> lines = SplitLines(input.Str() + "\n");
  std::string out;
  if (bound[2].Truthy()) {
    out = absl::StrJoin(lines, "\n" + indentation);
  } else {
    out = lines.empty() ? "" : lines[0];
    for (size_t i = 1; i < lines.size(); ++i) {
      absl::StrAppend(&out, "\n", lines[i].empty() ? "" : indentation, lines[i]);
    }
  }
  if (bound[1].Truthy()) out = indentation + out;
  return Value(std::move(out));
}

absl::StatusOr<Value> Center(const Value& input, const CallArgs& args) {
  ASSIGN_OR_RETURN(const std::vector<Value> bound,
                   BindArgs("center", args, {{"width", Value(80)}}));
  ASSIGN_OR_RETURN(const int64_t width, IntArg("center", bound[0]));
  const std::string text = input.Str();
  const int64_t length = static_cast<int64_t>(CodePointCount(text));
  if (width <= length) return Value(text);
  // CPython's str.center puts the odd space on the left when the width is odd.
  const int64_t margin = width - length;
  const int64_t left = margin / 2 + (margin & width & 1);
  return Value(std::string(left, ' ') + text + std::string(margin - left, ' '));
}

absl::StatusOr<Value> WordCount(const Value& input, const CallArgs& args) {
  RETURN_IF_ERROR(BindArgs("wordcount", args, {}).status());
  int64_t words = 0;
  bool in_word = false;
  for (char32_t c : DecodeUtf8(input.Str())) {
    const bool word_char = IsAlpha(c) || (c >= '0' && c <= '9') || c == '_';
    if (word_char && !in_word) ++words;
    in_word = word_char;
  }
  return Value(words);
}

absl::StatusOr<Value> Format(const Value& input, const CallArgs& args) {
  if (!args.positional.empty() && !args.keyword.empty()) {
    return RuntimeError("can't handle positional and keyword arguments at the same time");
  }
  Value format_args = Value::Tuple(args.positional);
  if (!args.keyword.empty()) {
    Dict dict;
    for (const auto& [key, value] : args.keyword) dict.Set(Value(key), value);
    format_args = Value::FromDict(std::move(dict));
  }
  ASSIGN_OR_RETURN(std::string out, PercentFormat(input.Str(), format_args));
  return Value(std::move(out));
}

std::string HtmlEscape(std::string text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

absl::StatusOr<Value> Trim(const Value& input, const CallArgs& args) {
  ASSIGN_OR_RETURN(const std::vector<Value> bound,
                   BindArgs("trim", args, {{"chars", Value::None()}}));
  std::optional<std::string> chars;
  if (!bound[0].is_none()) chars = bound[0].Str();
  return Value(PyStrip(input.Str(), chars, true, true));
}

absl::StatusOr<Value> Replace(const Value& input, const CallArgs& args) {
  ASSIGN_OR_RETURN(const std::vector<Value> bound,
                   BindArgs("replace", args, {{"old", {}}, {"new", {}}, {"count", Value::None()}}));
  int64_t count = -1;
  if (!bound[2].is_none()) {
    ASSIGN_OR_RETURN(count, IntArg("replace", bound[2]));
  }
  return Value(PyReplace(input.Str(), bound[0].Str(), bound[1].Str(), count));
}

}  // namespace

void AddStringFilters(FilterTable* table) {
  auto identity = [](std::string s) { return s; };
  auto& t = *table;
  t["trim"] = Trim;
  t["replace"] = Replace;
  t["lower"] = TextFilter("lower", [](std::string s) { return Utf8Lower(s); });
  t["upper"] = TextFilter("upper", [](std::string s) { return Utf8Upper(s); });
  t["capitalize"] = TextFilter("capitalize", [](std::string s) { return PyCapitalize(s); });
  t["title"] = TextFilter("title", Title);
  // Autoescaping is off, so safe only turns the value into its text.
  t["string"] = TextFilter("string", identity);
  t["safe"] = TextFilter("safe", identity);
  t["escape"] = t["e"] = t["forceescape"] = TextFilter("escape", HtmlEscape);
  t["indent"] = Indent;
  t["center"] = Center;
  t["wordcount"] = WordCount;
  t["format"] = Format;
}

}  // namespace llm::jinja
