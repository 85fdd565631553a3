// Tiny random-weight Llama-family GGUF files for tests: Q8_0 embeddings, Q4_1, Q4_0 and
// Q8_0 projections (or all F16), F32 norms and LM head, fixed seeds.
#ifndef LLM_ENGINE_MODEL_TINY_LLAMA_GGUF_H_
#define LLM_ENGINE_MODEL_TINY_LLAMA_GGUF_H_

#include <string>

namespace llm {

struct TinyLlamaShape {
  int vocab = 80, hidden = 64, ffn = 96, layers = 2, heads = 4, kv_heads = 2;
  std::string arch = "llama";  // "qwen2" adds its Q, K and V biases.
  std::string skip;            // A tensor to leave out ("output.weight": a tied LM head).
  // Every matrix in F16 instead of the quantized types: the CPU backend then computes in
  // f32 throughout (no 8-bit activations), a precise reference for another backend.
  bool float_weights = false;
};

// The file's bytes.
std::string TinyLlamaGguf(const TinyLlamaShape& shape = {});

}  // namespace llm

#endif  // LLM_ENGINE_MODEL_TINY_LLAMA_GGUF_H_
