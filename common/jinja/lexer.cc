#include "common/jinja/lexer.h"

#include <algorithm>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/jinja/utf8.h"
#include "common/status_macros.h"

namespace llm::jinja {
namespace {

// jinja2 normalizes "\r\n" and "\r" to "\n" and drops one trailing newline
// (keep_trailing_newline=False).
std::string NormalizeNewlines(absl::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out.push_back(source[i]);
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// Python's str.rstrip() (Unicode whitespace).
absl::string_view RstripPython(absl::string_view text) {
  std::vector<char32_t> cps = DecodeUtf8(text);
  size_t keep_bytes = text.size();
  for (size_t i = cps.size(); i > 0 && IsPythonSpace(cps[i - 1]); --i) {
    std::string encoded;
    AppendUtf8(cps[i - 1], &encoded);
    keep_bytes -= encoded.size();
  }
  return text.substr(0, keep_bytes);
}

bool IsAllPythonSpace(absl::string_view text) {
  for (char32_t c : DecodeUtf8(text)) {
    if (!IsPythonSpace(c)) return false;
  }
  return true;
}

bool IsNameStart(char c) { return absl::ascii_isalpha(c) || c == '_'; }
bool IsNameChar(char c) { return absl::ascii_isalnum(c) || c == '_'; }

class Lexer {
 public:
  explicit Lexer(absl::string_view source) : src_(NormalizeNewlines(source)) {
    for (size_t i = 0; i < src_.size(); ++i) {
      if (src_[i] == '\n') line_starts_.push_back(i + 1);
    }
  }

  absl::StatusOr<std::vector<Token>> Run() {
    while (pos_ < src_.size()) {
      const size_t tag = FindTagStart(pos_);
      if (tag == std::string::npos) {
        Emit(Token::Type::kText, src_.substr(pos_), pos_);
        break;
      }
      const char kind = src_[tag + 1];
      size_t after = tag + 2;
      char sign = 0;
      if (after < src_.size() && (src_[after] == '-' || src_[after] == '+')) sign = src_[after++];
      size_t raw_end = 0;
      const bool raw = kind == '%' && MatchRawBegin(after, &raw_end);
      EmitLeadingText(pos_, tag, sign, kind != '{');
      if (raw) {
        RETURN_IF_ERROR(LexRaw(raw_end));
      } else if (kind == '#') {
        RETURN_IF_ERROR(SkipComment(tag, after));
      } else {
        RETURN_IF_ERROR(LexTag(tag, after, kind == '%'));
      }
    }
    tokens_.push_back(Token{Token::Type::kEnd, "", Line(src_.size()), Column(src_.size())});
    return std::move(tokens_);
  }

 private:
  int Line(size_t offset) const {
    return static_cast<int>(std::upper_bound(line_starts_.begin(), line_starts_.end(), offset) -
                            line_starts_.begin());
  }
  int Column(size_t offset) const {
    return static_cast<int>(offset - line_starts_[Line(offset) - 1]) + 1;
  }

  absl::Status Error(size_t offset, absl::string_view message) const {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", Line(offset), ", column ", Column(offset), ": ", message));
  }

  void Emit(Token::Type type, std::string value, size_t offset) {
    if (type == Token::Type::kText && value.empty()) return;
    tokens_.push_back(Token{type, std::move(value), Line(offset), Column(offset)});
  }

  size_t FindTagStart(size_t from) const {
    for (size_t i = src_.find('{', from); i != std::string::npos; i = src_.find('{', i + 1)) {
      if (i + 1 < src_.size() && (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#')) {
        return i;
      }
    }
    return std::string::npos;
  }

  size_t SkipSpace(size_t at) const {
    while (at < src_.size() && absl::ascii_isspace(src_[at])) ++at;
    return at;
  }

  // "{% raw %}" / "{%- raw -%}": no newline trimming after it, as in jinja2.
  bool MatchRawBegin(size_t at, size_t* end) const {
    at = SkipSpace(at);
    if (src_.compare(at, 3, "raw") != 0) return false;
    at = SkipSpace(at + 3);
    if (src_.compare(at, 3, "-%}") == 0) {
      *end = SkipSpace(at + 3);
      return true;
    }
    if (src_.compare(at, 2, "%}") == 0) {
      *end = at + 2;
      return true;
    }
    return false;
  }

  // The text before a tag, with "-" stripping or lstrip_blocks applied.
  void EmitLeadingText(size_t begin, size_t end, char sign, bool block_or_comment) {
    absl::string_view text = absl::string_view(src_).substr(begin, end - begin);
    if (sign == '-') {
      text = RstripPython(text);
    } else if (sign != '+' && block_or_comment) {
      const size_t newline = text.rfind('\n');
      const size_t line_begin = newline == absl::string_view::npos ? 0 : newline + 1;
      if ((line_begin > 0 || line_starting_) && line_begin < text.size() &&
          IsAllPythonSpace(text.substr(line_begin))) {
        text = text.substr(0, line_begin);
      }
    }
    Emit(Token::Type::kText, std::string(text), begin);
  }

  // After a closing "%}" / "#}": "-" strips all whitespace, "+" nothing, otherwise
  // trim_blocks removes one newline. Returns the new position.
  size_t AfterBlockEnd(size_t at, char sign) {
    if (sign == '-') {
      at = SkipSpace(at);
    } else if (sign != '+' && at < src_.size() && src_[at] == '\n') {
      ++at;
    }
    line_starting_ = at > 0 && src_[at - 1] == '\n';
    return at;
  }

  absl::Status LexRaw(size_t body) {
    for (size_t at = src_.find("{%", body); at != std::string::npos; at = src_.find("{%", at + 1)) {
      size_t p = at + 2;
      char sign = 0;
      if (p < src_.size() && (src_[p] == '-' || src_[p] == '+')) sign = src_[p++];
      p = SkipSpace(p);
      if (src_.compare(p, 6, "endraw") != 0) continue;
      p = SkipSpace(p + 6);
      char end_sign = 0;
      if (p < src_.size() && (src_[p] == '-' || src_[p] == '+')) end_sign = src_[p++];
      if (src_.compare(p, 2, "%}") != 0) continue;
      line_starting_ = body > 0 && src_[body - 1] == '\n';
      EmitLeadingText(body, at, sign, true);
      pos_ = AfterBlockEnd(p + 2, end_sign);
      return absl::OkStatus();
    }
    return Error(body, "missing end of raw directive");
  }

  absl::Status SkipComment(size_t tag, size_t body) {
    const size_t close = src_.find("#}", body);
    if (close == std::string::npos) return Error(tag, "missing end of comment tag");
    char sign = 0;
    if (close > body && (src_[close - 1] == '-' || src_[close - 1] == '+')) sign = src_[close - 1];
    pos_ = AfterBlockEnd(close + 2, sign);
    return absl::OkStatus();
  }

  absl::Status LexTag(size_t tag, size_t at, bool block) {
    Emit(block ? Token::Type::kBlockBegin : Token::Type::kVariableBegin, "", tag);
    std::string brackets;  // open brackets; "}}" and "%}" only close a tag at depth 0
    while (true) {
      at = SkipSpace(at);
      if (at >= src_.size()) return Error(tag, "unexpected end of template, tag not closed");
      if (brackets.empty()) {
        const absl::string_view rest = absl::string_view(src_).substr(at);
        if (block) {
          for (const char* end : {"+%}", "-%}", "%}"}) {
            if (absl::StartsWith(rest, end)) {
              Emit(Token::Type::kBlockEnd, "", at);
              pos_ = AfterBlockEnd(at + strlen(end), end[0] == '%' ? 0 : end[0]);
              return absl::OkStatus();
            }
          }
        } else if (absl::StartsWith(rest, "-}}") || absl::StartsWith(rest, "}}")) {
          Emit(Token::Type::kVariableEnd, "", at);
          const bool strip = rest[0] == '-';
          pos_ = strip ? SkipSpace(at + 3) : at + 2;
          line_starting_ = pos_ > 0 && src_[pos_ - 1] == '\n';
          return absl::OkStatus();
        }
      }
      ASSIGN_OR_RETURN(at, LexExpressionToken(at, &brackets));
    }
  }

  absl::StatusOr<size_t> LexExpressionToken(size_t at, std::string* brackets) {
    const char c = src_[at];
    if (absl::ascii_isdigit(c)) return LexNumber(at);
    if (IsNameStart(c)) {
      size_t end = at;
      while (end < src_.size() && IsNameChar(src_[end])) ++end;
      Emit(Token::Type::kName, src_.substr(at, end - at), at);
      return end;
    }
    if (c == '\'' || c == '"') return LexString(at);
    static constexpr const char* kTwoCharOperators[] = {"//", "**", "==", "!=", ">=", "<="};
    for (const char* op : kTwoCharOperators) {
      if (src_.compare(at, 2, op) == 0) {
        Emit(Token::Type::kOperator, op, at);
        return at + 2;
      }
    }
    if (absl::string_view("+-/*%~[](){}.:,|=<>;").find(c) == absl::string_view::npos) {
      return Error(at, absl::StrCat("unexpected char '", std::string(1, c), "'"));
    }
    if (c == '(' || c == '[' || c == '{') {
      brackets->push_back(c == '(' ? ')' : c == '[' ? ']' : '}');
    } else if (c == ')' || c == ']' || c == '}') {
      if (brackets->empty()) return Error(at, absl::StrCat("unexpected '", std::string(1, c), "'"));
      if (brackets->back() != c) {
        return Error(at, absl::StrCat("unexpected '", std::string(1, c), "', expected '",
                                      std::string(1, brackets->back()), "'"));
      }
      brackets->pop_back();
    }
    Emit(Token::Type::kOperator, std::string(1, c), at);
    return at + 1;
  }

  size_t SkipDigits(size_t at) const {
    while (at < src_.size() &&
           (absl::ascii_isdigit(src_[at]) ||
            (src_[at] == '_' && at + 1 < src_.size() && absl::ascii_isdigit(src_[at + 1])))) {
      ++at;
    }
    return at;
  }

  // Integers and floats as jinja2 reads them: "1_000", "1.5", "2e10", "1.5E-3"; no float
  // right after a dot, so that "x.0.1" stays two subscripts.
  absl::StatusOr<size_t> LexNumber(size_t at) {
    size_t end = SkipDigits(at);
    bool is_float = false;
    const bool after_dot = at > 0 && src_[at - 1] == '.';
    if (!after_dot && end + 1 < src_.size() && src_[end] == '.' &&
        absl::ascii_isdigit(src_[end + 1])) {
      end = SkipDigits(end + 1);
      is_float = true;
    }
    if (!after_dot && end < src_.size() && (src_[end] == 'e' || src_[end] == 'E')) {
      size_t exponent = end + 1;
      if (exponent < src_.size() && (src_[exponent] == '+' || src_[exponent] == '-')) ++exponent;
      if (exponent < src_.size() && absl::ascii_isdigit(src_[exponent])) {
        end = SkipDigits(exponent);
        is_float = true;
      }
    }
    std::string digits;
    for (size_t i = at; i < end; ++i) {
      if (src_[i] != '_') digits.push_back(src_[i]);
    }
    Emit(is_float ? Token::Type::kFloat : Token::Type::kInteger, digits, at);
    return end;
  }

  absl::StatusOr<size_t> LexString(size_t at) {
    const char quote = src_[at];
    std::string value;
    size_t i = at + 1;
    for (; i < src_.size() && src_[i] != quote; ++i) {
      if (src_[i] != '\\' || i + 1 >= src_.size()) {
        value.push_back(src_[i]);
        continue;
      }
      i = DecodeEscape(i, &value);
    }
    if (i >= src_.size()) return Error(at, "unterminated string");
    Emit(Token::Type::kString, std::move(value), at);
    return i + 1;
  }

  // Python's unicode-escape decoding of the escape at `at` (a backslash); returns the
  // index of its last character. Unknown escapes stay as written, as in Python.
  size_t DecodeEscape(size_t at, std::string* out) const {
    const char e = src_[at + 1];
    static constexpr absl::string_view kSimple = "\\'\"abfnrtv";
    static constexpr absl::string_view kDecoded = "\\'\"\a\b\f\n\r\t\v";
    if (const size_t k = kSimple.find(e); k != absl::string_view::npos) {
      out->push_back(kDecoded[k]);
      return at + 1;
    }
    if (e == '\n') return at + 1;  // line continuation
    if (e >= '0' && e <= '7') {
      size_t end = at + 1;
      uint32_t code = 0;
      while (end < at + 4 && end < src_.size() && src_[end] >= '0' && src_[end] <= '7') {
        code = code * 8 + (src_[end++] - '0');
      }
      AppendUtf8(code, out);
      return end - 1;
    }
    const size_t hex_digits = e == 'x' ? 2 : e == 'u' ? 4 : e == 'U' ? 8 : 0;
    if (hex_digits > 0 && at + 2 + hex_digits <= src_.size()) {
      uint32_t code = 0;
      bool valid = true;
      for (size_t k = 0; k < hex_digits && valid; ++k) {
        const char h = src_[at + 2 + k];
        valid = absl::ascii_isxdigit(h);
        code = code * 16 + (absl::ascii_isdigit(h) ? h - '0' : absl::ascii_tolower(h) - 'a' + 10);
      }
      if (valid) {
        AppendUtf8(code, out);
        return at + 1 + hex_digits;
      }
    }
    out->push_back('\\');
    return at;
  }

  std::string src_;
  std::vector<size_t> line_starts_ = {0};
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  bool line_starting_ = true;
};

}  // namespace

absl::StatusOr<std::vector<Token>> Tokenize(absl::string_view source) {
  return Lexer(source).Run();
}

}  // namespace llm::jinja
