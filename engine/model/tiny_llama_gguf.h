// Tiny random-weight Llama-family GGUF files for tests: Q8_0 embeddings, Q4_1, Q4_0 and
// Q8_0 projections, F32 norms and LM head, fixed seeds.
#ifndef LLM_ENGINE_MODEL_TINY_LLAMA_GGUF_H_
#define LLM_ENGINE_MODEL_TINY_LLAMA_GGUF_H_

#include <string>

namespace llm {

struct TinyLlamaShape {
  int vocab = 80, hidden = 64, ffn = 96, layers = 2, heads = 4, kv_heads = 2;
  std::string arch = "llama";  // "qwen2" adds its Q, K and V biases.
  std::string skip;            // A tensor to leave out ("output.weight": a tied LM head).
};

// The file's bytes.
std::string TinyLlamaGguf(const TinyLlamaShape& shape = {});

}  // namespace llm

#endif  // LLM_ENGINE_MODEL_TINY_LLAMA_GGUF_H_
