// The hyperparameters of a decoder-only transformer, whatever file they came from
// (GGUF metadata or HF config.json).
#ifndef LLM_ENGINE_MODEL_MODEL_CONFIG_H_
#define LLM_ENGINE_MODEL_MODEL_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

namespace llm {

// Which elements RoPE rotates together (FORMATS.md §3.4).
enum class RopeStyle {
  kAdjacentPairs,  // (x[2i], x[2i+1]): GGUF llama, whose Q/K rows are permuted back.
  kHalfSplit,      // (x[i], x[i + d/2]): HF checkpoints (rotate_half), GGUF qwen2.
};

// rope_scaling of config.json (transformers' modeling_rope_utils names and defaults).
struct RopeScaling {
  enum Type { kNone, kLinear, kDynamic, kLlama3, kYarn };
  Type type = kNone;
  double factor = 1.0;
  double low_freq_factor = 1.0;    // llama3
  double high_freq_factor = 4.0;   // llama3
  double original_context = 8192;  // llama3, yarn: the pre-extension context length.
  double beta_fast = 32.0;         // yarn
  double beta_slow = 1.0;          // yarn
  float attention_factor = 0.0f;   // yarn; 0: 0.1·ln(factor) + 1.
  // yarn: the context its correction range is computed over; 0 is max_position_embeddings,
  // as transformers reads config.json (llama.cpp uses the original context).
  double correction_context = 0;
};

struct ModelConfig {
  std::string architecture;  // HF architectures name, e.g. "LlamaForCausalLM".
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_layers = 0;
  int64_t num_heads = 0;
  int64_t num_kv_heads = 0;
  int64_t head_dim = 0;
  int64_t context_length = 0;
  float rms_norm_eps = 1e-5f;
  float rope_theta = 10000.0f;
  RopeStyle rope_style = RopeStyle::kHalfSplit;
  RopeScaling rope_scaling;
  // GGUF's rope_freqs.weight (how llama.cpp stores Llama-3.1 scaling): pair i's
  // frequency is divided by factor i. Empty: none.
  std::vector<float> rope_freq_factors;
  int64_t sliding_window = 0;  // Attend to the last N positions only (Mistral); 0 is all.
  bool qkv_bias = false;       // q/k/v projections carry biases (Qwen2).
  bool tied_embeddings = false;
  int32_t bos_token_id = -1;           // -1: none.
  std::vector<int32_t> eos_token_ids;  // Every id that ends generation.
};

}  // namespace llm

#endif  // LLM_ENGINE_MODEL_MODEL_CONFIG_H_
