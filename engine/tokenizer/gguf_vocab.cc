#include "engine/tokenizer/gguf_vocab.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace llm {
namespace {

// GGUF tokenizer.ggml.token_type values.
constexpr int64_t kTokenControl = 3;
constexpr int64_t kTokenUserDefined = 4;

}  // namespace

absl::StatusOr<TokenizerSpec> TokenizerSpecFromGguf(const GgufFile& gguf) {
  TokenizerSpec spec;
  ASSIGN_OR_RETURN(absl::string_view model, gguf.GetString("tokenizer.ggml.model"));
  if (model == "gpt2") {
    spec.kind = TokenizerSpec::Kind::kByteLevelBpe;
  } else if (model == "llama") {
    spec.kind = TokenizerSpec::Kind::kSentencePiece;
  } else {
    return absl::UnimplementedError(absl::StrCat(gguf.path(), ": tokenizer model '", model,
                                                 "' is not supported (supported: gpt2, llama)"));
  }
  ASSIGN_OR_RETURN(const std::vector<absl::string_view>* tokens,
                   gguf.GetStringArray("tokenizer.ggml.tokens"));
  const size_t vocab = tokens->size();
  std::vector<int64_t> types(vocab, 1);
  if (gguf.Has("tokenizer.ggml.token_type")) {
    ASSIGN_OR_RETURN(types, gguf.GetIntArray("tokenizer.ggml.token_type"));
    if (types.size() != vocab) {
      return absl::InvalidArgumentError(
          absl::StrCat(gguf.path(), ": tokenizer.ggml.token_type has ", types.size(),
                       " entries for ", vocab, " tokens"));
    }
  }
  for (size_t id = 0; id < vocab; ++id) {
    spec.tokens.emplace_back((*tokens)[id]);
    spec.control.push_back(types[id] == kTokenControl);
    spec.whole.push_back(types[id] == kTokenControl || types[id] == kTokenUserDefined);
  }

  if (spec.kind == TokenizerSpec::Kind::kByteLevelBpe) {
    ASSIGN_OR_RETURN(absl::string_view pre, gguf.Has("tokenizer.ggml.pre")
                                                ? gguf.GetString("tokenizer.ggml.pre")
                                                : absl::StatusOr<absl::string_view>("default"));
    absl::StatusOr<PreTokenizer> pre_tokenizer = PreTokenizerFromGguf(pre);
    if (!pre_tokenizer.ok()) {
      return absl::UnimplementedError(
          absl::StrCat(gguf.path(), ": ", pre_tokenizer.status().message()));
    }
    spec.pre_tokenizer = *pre_tokenizer;
    spec.ignore_merges = spec.pre_tokenizer == PreTokenizer::kLlama3;
    ASSIGN_OR_RETURN(const std::vector<absl::string_view>* merges,
                     gguf.GetStringArray("tokenizer.ggml.merges"));
    for (absl::string_view merge : *merges) spec.merges.emplace_back(merge);
  } else {
    ASSIGN_OR_RETURN(spec.scores, gguf.GetFloatArray("tokenizer.ggml.scores"));
    if (spec.scores.size() != vocab) {
      return absl::InvalidArgumentError(absl::StrCat(gguf.path(), ": tokenizer.ggml.scores has ",
                                                     spec.scores.size(), " entries for ", vocab,
                                                     " tokens"));
    }
    ASSIGN_OR_RETURN(spec.add_space_prefix,
                     gguf.GetBoolOr("tokenizer.ggml.add_space_prefix", true));
  }
  ASSIGN_OR_RETURN(const uint64_t bos, gguf.GetUIntOr("tokenizer.ggml.bos_token_id", vocab));
  ASSIGN_OR_RETURN(const uint64_t unk, gguf.GetUIntOr("tokenizer.ggml.unknown_token_id", vocab));
  spec.bos_id = bos < vocab ? static_cast<int32_t>(bos) : -1;
  spec.unk_id = unk < vocab ? static_cast<int32_t>(unk) : -1;
  // SentencePiece vocabularies add BOS unless told otherwise; byte-level ones do not.
  ASSIGN_OR_RETURN(spec.add_bos, gguf.GetBoolOr("tokenizer.ggml.add_bos_token",
                                                spec.kind == TokenizerSpec::Kind::kSentencePiece));
  return spec;
}

}  // namespace llm
