// Text ↔ token ids for the served model, for the two vocabulary families of GGUF files:
//   byte-level BPE (tokenizer.ggml.model "gpt2": GPT-2, Llama-3, Qwen2, SmolLM): text is
//     pre-tokenized, mapped to the byte-level alphabet and merged by merge rank;
//   SentencePiece BPE ("llama": Llama-2, Mistral): spaces become ▁, pieces merge by
//     score, and characters outside the vocabulary fall back to <0xXX> byte tokens.
// Special (control) tokens are matched in the text as whole units when `parse_special`
// is set, as chat templates need.
//
// Immutable after construction; thread-safe.
#ifndef LLM_ENGINE_TOKENIZER_TOKENIZER_H_
#define LLM_ENGINE_TOKENIZER_TOKENIZER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/model/gguf/gguf_file.h"
#include "engine/tokenizer/pre_tokenize.h"
#include "engine/tokenizer/tokenizer_spec.h"

namespace llm {

class Tokenizer {
 public:
  // Builds a tokenizer; `source` names the file for errors.
  static absl::StatusOr<std::unique_ptr<Tokenizer>> Create(TokenizerSpec spec,
                                                           absl::string_view source);

  // From GGUF metadata (gguf_vocab.h).
  static absl::StatusOr<std::unique_ptr<Tokenizer>> FromGguf(const GgufFile& gguf);

  // From an HF checkpoint's tokenizer.json and tokenizer_config.json (tokenizer_json.h).
  static absl::StatusOr<std::unique_ptr<Tokenizer>> FromHfDirectory(const std::string& dir);

  int32_t vocab_size() const { return static_cast<int32_t>(tokens_.size()); }
  int32_t bos_id() const { return bos_id_; }

  // Token ids of `text`; with `add_special`, BOS first when the vocabulary asks for it.
  std::vector<int32_t> Encode(absl::string_view text, bool add_special, bool parse_special) const;

  // The raw bytes a token stands for (may be part of a UTF-8 character). A
  // SentencePiece token's ▁ is a space here, also at the start of a text.
  std::string TokenBytes(int32_t id) const;

  // The vocabulary's spelling of a token (e.g. "Ġworld", "▁world"), as tokenizers list it.
  absl::string_view TokenText(int32_t id) const { return tokens_[id]; }

  bool IsSpecial(int32_t id) const { return special_[id]; }

  // The text of `ids` (special tokens left out when `skip_special`). For SentencePiece
  // vocabularies the space the encoder put before the text is removed again, so
  // Decode(Encode(text)) == text.
  std::string Decode(const std::vector<int32_t>& ids, bool skip_special) const;

 private:
  using Kind = TokenizerSpec::Kind;

  Tokenizer() = default;
  void EncodeFragment(absl::string_view text, bool after_special, std::vector<int32_t>& out) const;
  void EncodeByteLevelPiece(absl::string_view piece, std::vector<int32_t>& out) const;
  void EncodeSentencePiece(absl::string_view text, bool after_special,
                           std::vector<int32_t>& out) const;

  Kind kind_ = Kind::kByteLevelBpe;
  std::vector<std::string> tokens_;
  std::vector<bool> special_;
  absl::flat_hash_map<std::string, int32_t> token_ids_;
  std::vector<std::pair<std::string, int32_t>> special_texts_;  // Longest first.
  int32_t bos_id_ = -1;
  int32_t unk_id_ = -1;
  bool add_bos_ = false;
  // Byte-level BPE.
  absl::flat_hash_map<std::string, int32_t> merge_ranks_;  // "left right" → rank.
  PreTokenizer pre_tokenizer_ = PreTokenizer::kGpt2;
  // A piece that is itself a token skips merging (Llama-3's tokenizer.json ignore_merges).
  bool ignore_merges_ = false;
  // SentencePiece: piece scores (GGUF), or merge ranks in merge_ranks_ (tokenizer.json).
  std::vector<float> scores_;
  std::vector<int32_t> byte_tokens_;  // Byte value → id of its <0xXX> token (-1: none).
  std::vector<int16_t> token_byte_;   // Token id → the byte it stands for (-1: not a byte).
  bool add_space_prefix_ = true;
};

}  // namespace llm

#endif  // LLM_ENGINE_TOKENIZER_TOKENIZER_H_
