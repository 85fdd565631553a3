// Everything a Tokenizer is built from, whatever file described it: GGUF metadata
// (gguf_vocab.cc) or a Hugging Face tokenizer.json (tokenizer_json.cc).
#ifndef LLM_ENGINE_TOKENIZER_TOKENIZER_SPEC_H_
#define LLM_ENGINE_TOKENIZER_TOKENIZER_SPEC_H_

#include <cstdint>
#include <string>
#include <vector>

#include "engine/tokenizer/pre_tokenize.h"

namespace llm {

struct TokenizerSpec {
  enum class Kind {
    kByteLevelBpe,   // Pre-tokenized, byte-level alphabet, merges by rank.
    kSentencePiece,  // Spaces as ▁, merges by score or rank, <0xXX> byte fallback.
  };
  Kind kind = Kind::kByteLevelBpe;
  std::vector<std::string> tokens;  // By id; the vocabulary's spelling.
  std::vector<bool> control;        // Left out of decoded text when skipping specials.
  std::vector<bool> whole;          // Matched in the text as one unit (added tokens).
  std::vector<std::string> merges;  // "left right" by rank; empty: merge by `scores`.
  std::vector<float> scores;        // SentencePiece piece scores (GGUF "llama" vocabularies).
  PreTokenizer pre_tokenizer = PreTokenizer::kGpt2;
  bool ignore_merges = false;    // A pre-token that is a token skips merging (Llama-3).
  bool add_space_prefix = true;  // SentencePiece: a space before the text.
  bool add_bos = false;
  int32_t bos_id = -1;
  int32_t unk_id = -1;
};

}  // namespace llm

#endif  // LLM_ENGINE_TOKENIZER_TOKENIZER_SPEC_H_
