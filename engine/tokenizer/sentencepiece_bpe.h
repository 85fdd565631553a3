// SentencePiece's BPE segmentation (Llama-2, Mistral, Baichuan vocabularies): start
// from the characters of the text and repeatedly merge the adjacent pair whose
// concatenation is the highest-scoring vocabulary piece, the leftmost pair on ties.
#ifndef LLM_ENGINE_TOKENIZER_SENTENCEPIECE_BPE_H_
#define LLM_ENGINE_TOKENIZER_SENTENCEPIECE_BPE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "absl/strings/string_view.h"

namespace llm {

// The score of a vocabulary piece, or nullopt if `piece` is not in the vocabulary.
using PieceScore = std::function<std::optional<float>(absl::string_view piece)>;

// The pieces of `text` (views into it) after merging. A piece may be a single character
// outside the vocabulary; the caller spells those as bytes.
std::vector<absl::string_view> SentencePieceSegments(absl::string_view text,
                                                     const PieceScore& score);

}  // namespace llm

#endif  // LLM_ENGINE_TOKENIZER_SENTENCEPIECE_BPE_H_
