#include "engine/tokenizer/pre_tokenize.h"

#include "absl/strings/str_cat.h"
#include "engine/tokenizer/unicode.h"

namespace llm {
namespace {

enum class Class { kLetter, kNumber, kSpace, kOther };

Class ClassOf(const Utf8Char& c) {
  if (IsLetter(c.code_point)) return Class::kLetter;
  if (IsNumber(c.code_point)) return Class::kNumber;
  if (IsWhitespace(c.code_point)) return Class::kSpace;
  return Class::kOther;
}

// Length in characters of a contraction ('s 't 're 've 'm 'll 'd) at i, or 0.
size_t Contraction(const std::vector<Utf8Char>& s, size_t i) {
  if (s[i].code_point != '\'' || i + 1 >= s.size()) return 0;
  const int32_t a = s[i + 1].code_point;
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
  if (i + 2 < s.size()) {
    const int32_t b = s[i + 2].code_point;
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
  }
  return 0;
}

// Appends the GPT-2 regex's matches over chars [begin, end) of `s`.
void SplitGpt2(absl::string_view text, const std::vector<Utf8Char>& s, size_t begin, size_t end,
               std::vector<absl::string_view>& out) {
  auto emit = [&](size_t from, size_t to) {
    out.push_back(
        text.substr(s[from].offset, s[to - 1].offset + s[to - 1].length - s[from].offset));
  };
  size_t i = begin;
  while (i < end) {
    if (size_t n = Contraction(s, i); n > 0 && i + n <= end) {
      emit(i, i + n);
      i += n;
      continue;
    }
    // " ?X+" for X in letters, numbers, other: an optional space, then a run of X.
    const size_t body = (s[i].code_point == ' ' && i + 1 < end) ? i + 1 : i;
    const Class cls = ClassOf(s[body]);
    if (cls != Class::kSpace) {
      size_t j = body + 1;
      while (j < end && ClassOf(s[j]) == cls) ++j;
      emit(i, j);
      i = j;
      continue;
    }
    // "\s+(?!\S)|\s+": a whitespace run, less its last character when a non-space
    // follows (that character then leads the next piece as " ?X+").
    size_t j = i;
    while (j < end && ClassOf(s[j]) == Class::kSpace) ++j;
    if (j < end && j - i > 1) --j;
    emit(i, j);
    i = j;
  }
}

bool IsNewline(int32_t cp) { return cp == '\r' || cp == '\n'; }

int32_t Lower(int32_t cp) { return cp >= 'A' && cp <= 'Z' ? cp + ('a' - 'A') : cp; }

// Length of a case-insensitive contraction ('s 't 're 've 'm 'll 'd) at i, or 0.
size_t ContractionAnyCase(const std::vector<Utf8Char>& s, size_t i, size_t end) {
  if (s[i].code_point != '\'' || i + 1 >= end) return 0;
  const int32_t a = Lower(s[i + 1].code_point);
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
  if (i + 2 < end) {
    const int32_t b = Lower(s[i + 2].code_point);
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
  }
  return 0;
}

// Appends the Llama-3 regex's matches (Qwen2's with max_digits 1) over chars [begin, end).
void SplitLlama3(absl::string_view text, const std::vector<Utf8Char>& s, size_t begin, size_t end,
                 size_t max_digits, std::vector<absl::string_view>& out) {
  auto emit = [&](size_t from, size_t to) {
    out.push_back(
        text.substr(s[from].offset, s[to - 1].offset + s[to - 1].length - s[from].offset));
  };
  auto cls = [&](size_t k) { return ClassOf(s[k]); };
  size_t i = begin;
  while (i < end) {
    if (size_t n = ContractionAnyCase(s, i, end); n > 0) {
      emit(i, i + n);
      i += n;
      continue;
    }
    // [^\r\n\p{L}\p{N}]?\p{L}+
    const bool prefixable =
        cls(i) != Class::kLetter && cls(i) != Class::kNumber && !IsNewline(s[i].code_point);
    const size_t letters = prefixable && i + 1 < end ? i + 1 : i;
    if (cls(letters) == Class::kLetter) {
      size_t j = letters + 1;
      while (j < end && cls(j) == Class::kLetter) ++j;
      emit(i, j);
      i = j;
      continue;
    }
    // \p{N}{1,max_digits}
    if (cls(i) == Class::kNumber) {
      size_t j = i + 1;
      while (j < end && j - i < max_digits && cls(j) == Class::kNumber) ++j;
      emit(i, j);
      i = j;
      continue;
    }
    //  ?[^\s\p{L}\p{N}]+[\r\n]*
    const size_t other = s[i].code_point == ' ' && i + 1 < end ? i + 1 : i;
    if (cls(other) == Class::kOther) {
      size_t j = other + 1;
      while (j < end && cls(j) == Class::kOther) ++j;
      while (j < end && IsNewline(s[j].code_point)) ++j;
      emit(i, j);
      i = j;
      continue;
    }
    // Here s[i] is whitespace. \s*[\r\n]+ : the run up to its last newline, if any.
    size_t run = i;
    while (run < end && cls(run) == Class::kSpace) ++run;
    size_t after_newline = 0;
    for (size_t k = i; k < run; ++k) {
      if (IsNewline(s[k].code_point)) after_newline = k + 1;
    }
    if (after_newline > 0) {
      emit(i, after_newline);
      i = after_newline;
      continue;
    }
    // \s+(?!\S)|\s+ as in GPT-2.
    size_t j = run;
    if (j < end && j - i > 1) --j;
    emit(i, j);
    i = j;
  }
}

}  // namespace

absl::StatusOr<PreTokenizer> PreTokenizerFromGguf(absl::string_view pre) {
  if (pre == "gpt-2" || pre == "default") return PreTokenizer::kGpt2;
  if (pre == "smollm" || pre == "starcoder" || pre == "refact") {
    return PreTokenizer::kDigitsThenGpt2;
  }
  if (pre == "llama-bpe" || pre == "llama3") return PreTokenizer::kLlama3;
  if (pre == "qwen2") return PreTokenizer::kQwen2;
  return absl::UnimplementedError(absl::StrCat("pre-tokenizer '", pre, "' is not supported yet"));
}

absl::StatusOr<PreTokenizer> PreTokenizerFromRegex(absl::string_view regex) {
  static constexpr absl::string_view kLlama3Regex =
      R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
  static constexpr absl::string_view kQwen2Regex =
      R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
  if (regex == kLlama3Regex) return PreTokenizer::kLlama3;
  if (regex == kQwen2Regex) return PreTokenizer::kQwen2;
  return absl::UnimplementedError(
      absl::StrCat("pre-tokenizer regex '", regex, "' is not supported yet"));
}

std::vector<absl::string_view> PreTokenize(PreTokenizer kind, absl::string_view text) {
  const std::vector<Utf8Char> s = DecodeUtf8(text);
  std::vector<absl::string_view> out;
  switch (kind) {
    case PreTokenizer::kGpt2:
      SplitGpt2(text, s, 0, s.size(), out);
      return out;
    case PreTokenizer::kLlama3:
      SplitLlama3(text, s, 0, s.size(), 3, out);
      return out;
    case PreTokenizer::kQwen2:
      SplitLlama3(text, s, 0, s.size(), 1, out);
      return out;
    case PreTokenizer::kDigitsThenGpt2:
      break;
  }
  // Digits isolated; GPT-2 over the text between them.
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i < s.size() && !IsNumber(s[i].code_point)) continue;
    SplitGpt2(text, s, start, i, out);
    if (i < s.size()) out.push_back(text.substr(s[i].offset, s[i].length));
    start = i + 1;
  }
  return out;
}

}  // namespace llm
