// UTF-8 decoding and the Unicode character classes that pre-tokenizer regexes use
// (\p{L}, \p{N}, \s), from ICU so they follow the Unicode database exactly.
#ifndef LLM_ENGINE_TOKENIZER_UNICODE_H_
#define LLM_ENGINE_TOKENIZER_UNICODE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace llm {

// One character of a UTF-8 string. Bytes that are not valid UTF-8 become one-byte
// characters with code point -1, so splitting never loses input bytes.
struct Utf8Char {
  int32_t code_point;
  uint32_t offset;  // Byte offset in the string.
  uint32_t length;  // Bytes.
};

std::vector<Utf8Char> DecodeUtf8(absl::string_view text);

bool IsLetter(int32_t cp);      // \p{L}
bool IsNumber(int32_t cp);      // \p{N}
bool IsWhitespace(int32_t cp);  // \s (Unicode White_Space)

// `text` with every byte that is not part of a valid UTF-8 sequence replaced by U+FFFD,
// as protobuf string fields and JSON require.
std::string SanitizeUtf8(absl::string_view text);

// Bytes at the end of `text` that start an incomplete UTF-8 sequence (0 to 3): text
// before them can be shown, they must wait for the next bytes.
int IncompleteUtf8Suffix(absl::string_view text);

}  // namespace llm

#endif  // LLM_ENGINE_TOKENIZER_UNICODE_H_
