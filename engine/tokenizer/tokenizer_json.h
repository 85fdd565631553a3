// The TokenizerSpec of an HF checkpoint: tokenizer.json (a BPE model: byte-level as
// GPT-2, Llama-3, Qwen2 write it, or SentencePiece-style as Llama-2 and Mistral write it)
// and tokenizer_config.json (whether to add BOS). Errors name the file and the part.
#ifndef LLM_ENGINE_TOKENIZER_TOKENIZER_JSON_H_
#define LLM_ENGINE_TOKENIZER_TOKENIZER_JSON_H_

#include <string>

#include "absl/status/statusor.h"
#include "engine/tokenizer/tokenizer_spec.h"

namespace llm {

absl::StatusOr<TokenizerSpec> TokenizerSpecFromHfDirectory(const std::string& dir);

}  // namespace llm

#endif  // LLM_ENGINE_TOKENIZER_TOKENIZER_JSON_H_
