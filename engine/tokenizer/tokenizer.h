// Text ↔ token ids for the served model. Today: byte-level BPE vocabularies (GGUF
// tokenizer.ggml.model "gpt2": GPT-2, SmolLM, StarCoder...). Special (control) tokens
// are matched in the text as whole units when `parse_special` is set, as chat
// templates need.
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

namespace llm {

class Tokenizer {
 public:
  // Reads the vocabulary, merges and special tokens from GGUF metadata.
  static absl::StatusOr<std::unique_ptr<Tokenizer>> FromGguf(const GgufFile& gguf);

  int32_t vocab_size() const { return static_cast<int32_t>(tokens_.size()); }
  int32_t bos_id() const { return bos_id_; }
  bool add_bos() const { return add_bos_; }

  // Token ids of `text`; with `add_special`, BOS first when the vocabulary asks for it.
  std::vector<int32_t> Encode(absl::string_view text, bool add_special, bool parse_special) const;

  // The raw bytes a token stands for (may be part of a UTF-8 character).
  std::string TokenBytes(int32_t id) const;

  // The vocabulary's spelling of a token (e.g. "Ġworld"), as tokenizers list it.
  absl::string_view TokenText(int32_t id) const { return tokens_[id]; }

  bool IsSpecial(int32_t id) const { return special_[id]; }

  // Bytes of `ids` joined; special tokens left out when `skip_special`.
  std::string Decode(const std::vector<int32_t>& ids, bool skip_special) const;

 private:
  Tokenizer() = default;
  void EncodePiece(absl::string_view piece, std::vector<int32_t>& out) const;
  void EncodeOrdinary(absl::string_view text, std::vector<int32_t>& out) const;

  std::vector<std::string> tokens_;
  std::vector<bool> special_;
  absl::flat_hash_map<std::string, int32_t> token_ids_;
  absl::flat_hash_map<std::string, int32_t> merge_ranks_;       // "left right" → rank.
  std::vector<std::pair<std::string, int32_t>> special_texts_;  // Longest first.
  PreTokenizer pre_tokenizer_ = PreTokenizer::kGpt2;
  int32_t bos_id_ = -1;
  int32_t unk_id_ = -1;
  bool add_bos_ = false;
};

}  // namespace llm

#endif  // LLM_ENGINE_TOKENIZER_TOKENIZER_H_
