#include "engine/tokenizer/tokenizer.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/tokenizer/byte_level.h"
#include "engine/tokenizer/unicode.h"

namespace llm {
namespace {

// GGUF tokenizer.ggml.token_type values.
constexpr int64_t kTokenControl = 3;
constexpr int64_t kTokenUserDefined = 4;

}  // namespace

absl::StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::FromGguf(const GgufFile& gguf) {
  ASSIGN_OR_RETURN(absl::string_view model, gguf.GetString("tokenizer.ggml.model"));
  if (model != "gpt2") {
    return absl::UnimplementedError(absl::StrCat(gguf.path(), ": tokenizer model '", model,
                                                 "' is not supported yet (supported: gpt2)"));
  }
  std::unique_ptr<Tokenizer> t(new Tokenizer());
  ASSIGN_OR_RETURN(absl::string_view pre, gguf.Has("tokenizer.ggml.pre")
                                              ? gguf.GetString("tokenizer.ggml.pre")
                                              : absl::StatusOr<absl::string_view>("default"));
  auto pre_tokenizer = PreTokenizerFromGguf(pre);
  if (!pre_tokenizer.ok()) {
    return absl::UnimplementedError(
        absl::StrCat(gguf.path(), ": ", pre_tokenizer.status().message()));
  }
  t->pre_tokenizer_ = *pre_tokenizer;

  ASSIGN_OR_RETURN(const std::vector<absl::string_view>* tokens,
                   gguf.GetStringArray("tokenizer.ggml.tokens"));
  std::vector<int64_t> types(tokens->size(), 1);
  if (gguf.Has("tokenizer.ggml.token_type")) {
    ASSIGN_OR_RETURN(types, gguf.GetIntArray("tokenizer.ggml.token_type"));
    if (types.size() != tokens->size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(gguf.path(), ": tokenizer.ggml.token_type has ", types.size(),
                       " entries for ", tokens->size(), " tokens"));
    }
  }
  for (size_t id = 0; id < tokens->size(); ++id) {
    const std::string text((*tokens)[id]);
    const bool special = types[id] == kTokenControl || types[id] == kTokenUserDefined;
    t->tokens_.push_back(text);
    t->special_.push_back(types[id] == kTokenControl);
    t->token_ids_.emplace(text, static_cast<int32_t>(id));
    if (special && !text.empty()) t->special_texts_.emplace_back(text, static_cast<int32_t>(id));
  }
  std::sort(t->special_texts_.begin(), t->special_texts_.end(),
            [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });

  ASSIGN_OR_RETURN(const std::vector<absl::string_view>* merges,
                   gguf.GetStringArray("tokenizer.ggml.merges"));
  for (size_t rank = 0; rank < merges->size(); ++rank) {
    t->merge_ranks_.emplace(std::string((*merges)[rank]), static_cast<int32_t>(rank));
  }
  const int64_t vocab = static_cast<int64_t>(t->tokens_.size());
  ASSIGN_OR_RETURN(const uint64_t bos, gguf.GetUIntOr("tokenizer.ggml.bos_token_id", vocab));
  ASSIGN_OR_RETURN(const uint64_t unk, gguf.GetUIntOr("tokenizer.ggml.unknown_token_id", vocab));
  t->bos_id_ = bos < static_cast<uint64_t>(vocab) ? static_cast<int32_t>(bos) : -1;
  t->unk_id_ = unk < static_cast<uint64_t>(vocab) ? static_cast<int32_t>(unk) : -1;
  ASSIGN_OR_RETURN(t->add_bos_, gguf.GetBoolOr("tokenizer.ggml.add_bos_token", false));
  t->add_bos_ = t->add_bos_ && t->bos_id_ >= 0;
  return t;
}

// Byte-level BPE over one pre-tokenized piece: start from its characters (in the
// byte-level alphabet) and merge the adjacent pair of lowest rank until none applies.
void Tokenizer::EncodePiece(absl::string_view piece, std::vector<int32_t>& out) const {
  const std::string mapped = BytesToByteLevel(piece);
  std::vector<std::string> symbols;
  for (const Utf8Char& c : DecodeUtf8(mapped)) symbols.push_back(mapped.substr(c.offset, c.length));
  std::string key;
  while (symbols.size() > 1) {
    int32_t best_rank = std::numeric_limits<int32_t>::max();
    size_t best = 0;
    for (size_t i = 0; i + 1 < symbols.size(); ++i) {
      key.assign(symbols[i]).append(" ").append(symbols[i + 1]);
      if (auto it = merge_ranks_.find(key); it != merge_ranks_.end() && it->second < best_rank) {
        best_rank = it->second;
        best = i;
      }
    }
    if (best_rank == std::numeric_limits<int32_t>::max()) break;
    symbols[best] += symbols[best + 1];
    symbols.erase(symbols.begin() + static_cast<std::ptrdiff_t>(best) + 1);
  }
  for (const std::string& symbol : symbols) {
    auto it = token_ids_.find(symbol);
    if (it != token_ids_.end()) {
      out.push_back(it->second);
    } else if (unk_id_ >= 0) {
      out.push_back(unk_id_);
    }
  }
}

void Tokenizer::EncodeOrdinary(absl::string_view text, std::vector<int32_t>& out) const {
  for (absl::string_view piece : PreTokenize(pre_tokenizer_, text)) EncodePiece(piece, out);
}

std::vector<int32_t> Tokenizer::Encode(absl::string_view text, bool add_special,
                                       bool parse_special) const {
  std::vector<int32_t> ids;
  if (add_special && add_bos_) ids.push_back(bos_id_);
  if (!parse_special) {
    EncodeOrdinary(text, ids);
    return ids;
  }
  // Special tokens split the text; the text between them is encoded normally.
  size_t start = 0, i = 0;
  while (i < text.size()) {
    const std::pair<std::string, int32_t>* match = nullptr;
    for (const auto& special : special_texts_) {
      if (text.substr(i, special.first.size()) == special.first) {
        match = &special;
        break;
      }
    }
    if (match == nullptr) {
      ++i;
      continue;
    }
    EncodeOrdinary(text.substr(start, i - start), ids);
    ids.push_back(match->second);
    i += match->first.size();
    start = i;
  }
  EncodeOrdinary(text.substr(start), ids);
  return ids;
}

std::string Tokenizer::TokenBytes(int32_t id) const {
  if (id < 0 || id >= vocab_size()) return "";
  if (special_[id]) return tokens_[id];
  std::optional<std::string> bytes = ByteLevelToBytes(tokens_[id]);
  return bytes.has_value() ? *bytes : tokens_[id];
}

std::string Tokenizer::Decode(const std::vector<int32_t>& ids, bool skip_special) const {
  std::string text;
  for (int32_t id : ids) {
    if (skip_special && id >= 0 && id < vocab_size() && special_[id]) continue;
    text += TokenBytes(id);
  }
  return text;
}

}  // namespace llm
