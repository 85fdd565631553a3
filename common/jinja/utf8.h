// UTF-8 helpers for Python-like string semantics: templates index, slice, measure and
// case-map strings by Unicode code point, as Python's str does. Stateless, thread-safe.
#ifndef LLM_COMMON_JINJA_UTF8_H_
#define LLM_COMMON_JINJA_UTF8_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace llm::jinja {

// Decodes UTF-8; an invalid byte becomes U+FFFD so that no input is rejected.
std::vector<char32_t> DecodeUtf8(absl::string_view text);
std::string EncodeUtf8(const std::vector<char32_t>& code_points);
void AppendUtf8(char32_t code_point, std::string* out);

// Number of code points (Python len()).
size_t CodePointCount(absl::string_view text);

// Python's str.isspace() for one code point.
bool IsPythonSpace(char32_t c);

// Simple (one-to-one) Unicode case mappings and predicates.
char32_t ToUpper(char32_t c);
char32_t ToLower(char32_t c);
bool IsAlpha(char32_t c);
bool IsCased(char32_t c);  // has an upper or lower case form

std::string Utf8Upper(absl::string_view text);
std::string Utf8Lower(absl::string_view text);

}  // namespace llm::jinja

#endif  // LLM_COMMON_JINJA_UTF8_H_
