// Pre-tokenizers: split text into pieces that BPE then encodes one at a time. Each is
// a hand-written scanner equivalent to the regex its tokenizer family uses (the regexes
// need look-ahead that RE2 lacks), over Unicode classes from ICU.
#ifndef LLM_ENGINE_TOKENIZER_PRE_TOKENIZE_H_
#define LLM_ENGINE_TOKENIZER_PRE_TOKENIZE_H_

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace llm {

enum class PreTokenizer {
  // GPT-2: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
  kGpt2,
  // Every digit on its own (\p{N}, isolated), then GPT-2 (StarCoder, SmolLM).
  kDigitsThenGpt2,
  // Llama-3 (tiktoken cl100k style):
  // (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
  //  ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
  kLlama3,
  // Qwen2: as Llama-3, but digits one at a time (\p{N} for \p{N}{1,3}).
  kQwen2,
};

// Maps GGUF's tokenizer.ggml.pre to a pre-tokenizer; UNIMPLEMENTED for unknown ids.
absl::StatusOr<PreTokenizer> PreTokenizerFromGguf(absl::string_view pre);

// Maps a tokenizer.json Split regex to the pre-tokenizer that implements it;
// UNIMPLEMENTED for other regexes.
absl::StatusOr<PreTokenizer> PreTokenizerFromRegex(absl::string_view regex);

// Splits `text`; the pieces are views into it and concatenate back to it exactly.
std::vector<absl::string_view> PreTokenize(PreTokenizer kind, absl::string_view text);

}  // namespace llm

#endif  // LLM_ENGINE_TOKENIZER_PRE_TOKENIZE_H_
