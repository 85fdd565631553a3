#include "engine/tokenizer/tokenizer.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "common/status_macros.h"
#include "engine/tokenizer/bpe_merge.h"
#include "engine/tokenizer/byte_level.h"
#include "engine/tokenizer/gguf_vocab.h"
#include "engine/tokenizer/tokenizer_json.h"
#include "engine/tokenizer/unicode.h"

namespace llm {
namespace {

constexpr absl::string_view kSpaceMark = "\xE2\x96\x81";  // ▁ U+2581

}  // namespace

absl::StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::Create(TokenizerSpec spec,
                                                             absl::string_view source) {
  const size_t vocab = spec.tokens.size();
  if (spec.control.size() != vocab || spec.whole.size() != vocab) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": inconsistent token lists"));
  }
  std::unique_ptr<Tokenizer> t(new Tokenizer());
  t->kind_ = spec.kind;
  t->byte_tokens_.assign(256, -1);
  t->token_byte_.assign(vocab, -1);
  for (size_t id = 0; id < vocab; ++id) {
    const std::string& text = spec.tokens[id];
    t->special_.push_back(spec.control[id]);
    t->token_ids_.emplace(text, static_cast<int32_t>(id));
    if (spec.whole[id] && !text.empty()) {
      t->special_texts_.emplace_back(text, static_cast<int32_t>(id));
    }
    // SentencePiece byte-fallback tokens are spelled <0xXX>.
    unsigned byte = 0;
    if (spec.kind == Kind::kSentencePiece && text.size() == 6 && absl::StartsWith(text, "<0x") &&
        text[5] == '>' && absl::SimpleHexAtoi(text.substr(3, 2), &byte) && byte < 256) {
      t->byte_tokens_[byte] = static_cast<int32_t>(id);
      t->token_byte_[id] = static_cast<int16_t>(byte);
    }
  }
  std::sort(t->special_texts_.begin(), t->special_texts_.end(),
            [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  for (size_t rank = 0; rank < spec.merges.size(); ++rank) {
    t->merge_ranks_.emplace(std::move(spec.merges[rank]), static_cast<int32_t>(rank));
  }
  if (spec.kind == Kind::kSentencePiece && t->merge_ranks_.empty() && spec.scores.size() != vocab) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": a SentencePiece vocabulary needs scores or merges"));
  }
  t->tokens_ = std::move(spec.tokens);
  t->scores_ = std::move(spec.scores);
  t->pre_tokenizer_ = spec.pre_tokenizer;
  t->ignore_merges_ = spec.ignore_merges;
  t->add_space_prefix_ = spec.add_space_prefix;
  t->bos_id_ = spec.bos_id >= 0 && static_cast<size_t>(spec.bos_id) < vocab ? spec.bos_id : -1;
  t->unk_id_ = spec.unk_id >= 0 && static_cast<size_t>(spec.unk_id) < vocab ? spec.unk_id : -1;
  t->add_bos_ = spec.add_bos && t->bos_id_ >= 0;
  return t;
}

absl::StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::FromGguf(const GgufFile& gguf) {
  ASSIGN_OR_RETURN(TokenizerSpec spec, TokenizerSpecFromGguf(gguf));
  return Create(std::move(spec), gguf.path());
}

absl::StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::FromHfDirectory(const std::string& dir) {
  ASSIGN_OR_RETURN(TokenizerSpec spec, TokenizerSpecFromHfDirectory(dir));
  return Create(std::move(spec), dir);
}

// Byte-level BPE over one pre-tokenized piece: its characters (in the byte-level
// alphabet) merge by rank, lowest first.
void Tokenizer::EncodeByteLevelPiece(absl::string_view piece, std::vector<int32_t>& out) const {
  const std::string mapped = BytesToByteLevel(piece);
  if (ignore_merges_) {
    if (auto it = token_ids_.find(mapped); it != token_ids_.end()) {
      out.push_back(it->second);
      return;
    }
  }
  std::string key;
  const PairScore score = [&](absl::string_view left,
                              absl::string_view right) -> std::optional<float> {
    key.assign(left.data(), left.size()).append(" ").append(right.data(), right.size());
    auto it = merge_ranks_.find(key);
    if (it == merge_ranks_.end()) return std::nullopt;
    return -static_cast<float>(it->second);  // Lower rank merges first.
  };
  const std::vector<absl::string_view> symbols = BpeMerge(mapped, score);
  for (absl::string_view symbol : symbols) {
    auto it = token_ids_.find(symbol);
    if (it != token_ids_.end()) {
      out.push_back(it->second);
    } else if (unk_id_ >= 0) {
      out.push_back(unk_id_);
    }
  }
}

// SentencePiece: a space before the text (at the start, and after a special token,
// as llama.cpp does), spaces as ▁, merges by score, then byte fallback.
void Tokenizer::EncodeSentencePiece(absl::string_view text, bool after_special,
                                    std::vector<int32_t>& out) const {
  const std::string escaped = absl::StrReplaceAll(
      absl::StrCat(add_space_prefix_ && after_special ? " " : "", text), {{" ", kSpaceMark}});
  std::string joined;
  // GGUF vocabularies rank a merge by the merged piece's score; tokenizer.json files by
  // the pair's place in the merge list.
  const PairScore score = [&](absl::string_view left,
                              absl::string_view right) -> std::optional<float> {
    if (!merge_ranks_.empty()) {
      joined.assign(left.data(), left.size()).append(" ").append(right.data(), right.size());
      auto it = merge_ranks_.find(joined);
      if (it == merge_ranks_.end()) return std::nullopt;
      return -static_cast<float>(it->second);
    }
    joined.assign(left.data(), left.size()).append(right.data(), right.size());
    auto it = token_ids_.find(joined);
    if (it == token_ids_.end()) return std::nullopt;
    return scores_[it->second];
  };
  for (absl::string_view piece : BpeMerge(escaped, score)) {
    if (auto it = token_ids_.find(piece); it != token_ids_.end()) {
      out.push_back(it->second);
      continue;
    }
    for (char c : piece) {
      const int32_t id = byte_tokens_[static_cast<uint8_t>(c)];
      if (id >= 0) {
        out.push_back(id);
      } else if (unk_id_ >= 0) {
        out.push_back(unk_id_);
      }
    }
  }
}

void Tokenizer::EncodeFragment(absl::string_view text, bool after_special,
                               std::vector<int32_t>& out) const {
  if (kind_ == Kind::kSentencePiece) {
    if (!text.empty()) EncodeSentencePiece(text, after_special, out);
    return;
  }
  for (absl::string_view piece : PreTokenize(pre_tokenizer_, text))
    EncodeByteLevelPiece(piece, out);
}

std::vector<int32_t> Tokenizer::Encode(absl::string_view text, bool add_special,
                                       bool parse_special) const {
  std::vector<int32_t> ids;
  if (add_special && add_bos_) ids.push_back(bos_id_);
  if (!parse_special) {
    EncodeFragment(text, /*after_special=*/true, ids);
    return ids;
  }
  // Special tokens split the text; the text between them is encoded normally.
  size_t start = 0, i = 0;
  bool after_special = true;
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
    if (i > start) EncodeFragment(text.substr(start, i - start), after_special, ids);
    ids.push_back(match->second);
    after_special = true;
    i += match->first.size();
    start = i;
  }
  if (start < text.size()) EncodeFragment(text.substr(start), after_special, ids);
  return ids;
}

std::string Tokenizer::TokenBytes(int32_t id) const {
  if (id < 0 || id >= vocab_size()) return "";
  if (special_[id]) return tokens_[id];
  if (kind_ == Kind::kSentencePiece) {
    if (token_byte_[id] >= 0) return std::string(1, static_cast<char>(token_byte_[id]));
    return absl::StrReplaceAll(tokens_[id], {{kSpaceMark, " "}});
  }
  std::optional<std::string> bytes = ByteLevelToBytes(tokens_[id]);
  return bytes.has_value() ? *bytes : tokens_[id];
}

std::string Tokenizer::Decode(const std::vector<int32_t>& ids, bool skip_special) const {
  std::string text;
  bool first = true;
  for (int32_t id : ids) {
    if (id < 0 || id >= vocab_size()) continue;
    if (special_[id]) {
      if (!skip_special) text += tokens_[id];
      first = true;  // The encoder puts a space after a special token too.
      continue;
    }
    std::string bytes = TokenBytes(id);
    if (first && kind_ == Kind::kSentencePiece && add_space_prefix_ && !bytes.empty() &&
        bytes[0] == ' ') {
      bytes.erase(0, 1);
    }
    first = false;
    text += bytes;
  }
  return text;
}

}  // namespace llm
