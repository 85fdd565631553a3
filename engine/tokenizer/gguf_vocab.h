// The TokenizerSpec in a GGUF file's tokenizer.ggml.* metadata (model "gpt2" or "llama").
#ifndef LLM_ENGINE_TOKENIZER_GGUF_VOCAB_H_
#define LLM_ENGINE_TOKENIZER_GGUF_VOCAB_H_

#include "absl/status/statusor.h"
#include "engine/model/gguf/gguf_file.h"
#include "engine/tokenizer/tokenizer_spec.h"

namespace llm {

absl::StatusOr<TokenizerSpec> TokenizerSpecFromGguf(const GgufFile& gguf);

}  // namespace llm

#endif  // LLM_ENGINE_TOKENIZER_GGUF_VOCAB_H_
