#include "engine/model/tiny_llama_gguf.h"

#include <random>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/model/gguf/gguf_builder.h"
#include "engine/tensor/random_weights.h"

namespace llm {

std::string TinyLlamaGguf(const TinyLlamaShape& s) {
  std::mt19937 rng(42);
  GgufBuilder b;
  b.AddString("general.architecture", s.arch);
  const std::string k = s.arch + ".";
  b.AddU32(k + "embedding_length", s.hidden);
  b.AddU32(k + "feed_forward_length", s.ffn);
  b.AddU32(k + "block_count", s.layers);
  b.AddU32(k + "attention.head_count", s.heads);
  b.AddU32(k + "attention.head_count_kv", s.kv_heads);
  b.AddU32(k + "context_length", 128);
  b.AddF32(k + "attention.layer_norm_rms_epsilon", 1e-5f);
  std::vector<std::string> tokens;
  for (int i = 0; i < s.vocab; ++i) tokens.push_back(absl::StrCat("t", i));
  b.AddStrings("tokenizer.ggml.tokens", tokens);
  auto matrix = [&](const std::string& name, int rows, int cols, DType type) {
    if (name == s.skip) return;
    if (s.float_weights && type != DType::kF32) type = DType::kF16;
    b.AddTensor(name, {static_cast<uint64_t>(cols), static_cast<uint64_t>(rows)}, type,
                RandomWeights(type, rows, cols, 0.3f, rng));
  };
  auto vector = [&](const std::string& name, int size, float mean) {
    if (name == s.skip) return;
    std::vector<float> w(size);
    for (float& v : w) v = mean + 0.1f * std::normal_distribution<float>()(rng);
    b.AddF32Tensor(name, {static_cast<uint64_t>(size)}, w);
  };
  const int head_dim = s.hidden / s.heads;
  matrix("token_embd.weight", s.vocab, s.hidden, DType::kQ8_0);
  matrix("output.weight", s.vocab, s.hidden, DType::kF32);
  vector("output_norm.weight", s.hidden, 1.0f);
  for (int l = 0; l < s.layers; ++l) {
    const std::string p = absl::StrCat("blk.", l, ".");
    vector(p + "attn_norm.weight", s.hidden, 1.0f);
    vector(p + "ffn_norm.weight", s.hidden, 1.0f);
    matrix(p + "attn_q.weight", s.heads * head_dim, s.hidden, DType::kQ4_1);
    matrix(p + "attn_k.weight", s.kv_heads * head_dim, s.hidden, DType::kQ4_1);
    matrix(p + "attn_v.weight", s.kv_heads * head_dim, s.hidden, DType::kQ4_0);
    matrix(p + "attn_output.weight", s.hidden, s.heads * head_dim, DType::kQ4_1);
    matrix(p + "ffn_gate.weight", s.ffn, s.hidden, DType::kQ4_1);
    matrix(p + "ffn_up.weight", s.ffn, s.hidden, DType::kQ8_0);
    matrix(p + "ffn_down.weight", s.hidden, s.ffn, DType::kQ4_1);
    if (s.arch == "qwen2") {
      vector(p + "attn_q.bias", s.heads * head_dim, 0.0f);
      vector(p + "attn_k.bias", s.kv_heads * head_dim, 0.0f);
      vector(p + "attn_v.bias", s.kv_heads * head_dim, 0.0f);
    }
  }
  return b.Build();
}

}  // namespace llm
