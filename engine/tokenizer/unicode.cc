#include "engine/tokenizer/unicode.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

namespace llm {

std::vector<Utf8Char> DecodeUtf8(absl::string_view text) {
  std::vector<Utf8Char> chars;
  chars.reserve(text.size());
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t length = static_cast<int32_t>(text.size());
  int32_t i = 0;
  while (i < length) {
    const int32_t start = i;
    UChar32 cp;
    U8_NEXT(s, i, length, cp);  // Advances i; cp < 0 for an ill-formed sequence.
    if (cp < 0) i = start + 1;
    chars.push_back({cp, static_cast<uint32_t>(start), static_cast<uint32_t>(i - start)});
  }
  return chars;
}

std::string SanitizeUtf8(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const Utf8Char& c : DecodeUtf8(text)) {
    if (c.code_point < 0) {
      out += "\xEF\xBF\xBD";
    } else {
      out.append(text.data() + c.offset, c.length);
    }
  }
  return out;
}

bool IsLetter(int32_t cp) { return cp >= 0 && (U_GET_GC_MASK(cp) & U_GC_L_MASK) != 0; }

bool IsNumber(int32_t cp) { return cp >= 0 && (U_GET_GC_MASK(cp) & U_GC_N_MASK) != 0; }

bool IsWhitespace(int32_t cp) { return cp >= 0 && u_isUWhiteSpace(cp); }

int IncompleteUtf8Suffix(absl::string_view text) {
  // Look back at most 3 bytes for a lead byte whose sequence runs past the end.
  const int n = static_cast<int>(text.size());
  for (int back = 1; back <= 3 && back <= n; ++back) {
    const uint8_t c = static_cast<uint8_t>(text[n - back]);
    if ((c & 0xC0) == 0x80) continue;  // Continuation byte: keep looking.
    const int needed = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    return needed > back ? back : 0;
  }
  return 0;
}

}  // namespace llm
