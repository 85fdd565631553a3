// GPT-2's byte-level alphabet: every byte maps to one printable code point, so BPE
// vocabularies of byte-level tokenizers (GPT-2, Llama-3, Qwen2, SmolLM) hold only
// printable strings. Printable bytes map to themselves; the other 68 to U+0100 + n.
#ifndef LLM_ENGINE_TOKENIZER_BYTE_LEVEL_H_
#define LLM_ENGINE_TOKENIZER_BYTE_LEVEL_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace llm {

// The byte-level (UTF-8) spelling of raw `bytes`.
std::string BytesToByteLevel(absl::string_view bytes);

// Raw bytes of a byte-level string; nullopt if it holds a character outside the map.
std::optional<std::string> ByteLevelToBytes(absl::string_view text);

}  // namespace llm

#endif  // LLM_ENGINE_TOKENIZER_BYTE_LEVEL_H_
