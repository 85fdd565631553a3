#include "engine/tokenizer/byte_level.h"

#include <array>

#include "engine/tokenizer/unicode.h"

namespace llm {
namespace {

struct Tables {
  std::array<std::string, 256> byte_to_text;
  std::array<int16_t, 0x200> code_point_to_byte;  // -1: not in the map.
};

const Tables& GetTables() {
  static const Tables tables = [] {
    Tables t;
    t.code_point_to_byte.fill(-1);
    int next = 0;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      const int cp = printable ? b : 0x100 + next++;
      // Encode cp (< 0x200) as UTF-8.
      std::string text;
      if (cp < 0x80) {
        text.push_back(static_cast<char>(cp));
      } else {
        text.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        text.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      }
      t.byte_to_text[b] = text;
      t.code_point_to_byte[cp] = static_cast<int16_t>(b);
    }
    return t;
  }();
  return tables;
}

}  // namespace

std::string BytesToByteLevel(absl::string_view bytes) {
  const Tables& t = GetTables();
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) out += t.byte_to_text[static_cast<uint8_t>(c)];
  return out;
}

std::optional<std::string> ByteLevelToBytes(absl::string_view text) {
  const Tables& t = GetTables();
  std::string out;
  out.reserve(text.size());
  for (const Utf8Char& c : DecodeUtf8(text)) {
    if (c.code_point < 0 || c.code_point >= 0x200 || t.code_point_to_byte[c.code_point] < 0) {
      return std::nullopt;
    }
    out.push_back(static_cast<char>(t.code_point_to_byte[c.code_point]));
  }
  return out;
}

}  // namespace llm
