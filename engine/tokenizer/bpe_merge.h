// The merge loop of BPE tokenizers: start from the characters of a piece of text and
// repeatedly merge the adjacent pair that scores highest (the leftmost on ties) until
// no pair scores. Vocabularies rank pairs differently: SentencePiece by the score of the
// merged piece, merge lists (GPT-2, tokenizer.json) by the pair's rank; the caller says
// how. O(n log n) with a priority queue, for prompts of any length.
#ifndef LLM_ENGINE_TOKENIZER_BPE_MERGE_H_
#define LLM_ENGINE_TOKENIZER_BPE_MERGE_H_

#include <functional>
#include <optional>
#include <vector>

#include "absl/strings/string_view.h"

namespace llm {

// The score of merging `left` and `right` (adjacent in the text), or nullopt if the
// pair never merges.
using PairScore =
    std::function<std::optional<float>(absl::string_view left, absl::string_view right)>;

// The pieces of `text` (views into it) after merging.
std::vector<absl::string_view> BpeMerge(absl::string_view text, const PairScore& score);

}  // namespace llm

#endif  // LLM_ENGINE_TOKENIZER_BPE_MERGE_H_
