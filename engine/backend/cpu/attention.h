// Causal self-attention of new tokens against a sequence's cached keys and values,
// with grouped-query heads (query head h reads kv head h / (heads / kv_heads)).
#ifndef LLM_ENGINE_BACKEND_CPU_ATTENTION_H_
#define LLM_ENGINE_BACKEND_CPU_ATTENTION_H_

#include <cstdint>

#include "engine/backend/cpu/thread_pool.h"
#include "engine/backend/cpu/vec.h"

namespace llm::cpu {

struct AttentionShape {
  int64_t heads = 0;
  int64_t kv_heads = 0;
  int64_t head_dim = 0;
  int64_t capacity = 0;  // Positions per kv head plane in the cache.
  int64_t window = 0;    // Sliding window (Mistral): the last `window` positions; 0 is all.
};

// For new tokens t = 0..tokens-1 at positions start + t:
//   out[t, h, :] = Σ_{p ≤ start+t} softmax_p(q[t, h, :] · k[h/g, p, :] / √head_dim) v[h/g, p, :]
// (with a window, p also > start + t − window).
// q and out are [tokens, heads, head_dim] in f32; k and v are [kv_heads, capacity,
// head_dim] in f16, so each head's keys are one contiguous run (the layout
// SequenceKvCache keeps; f16 halves the bytes each decoded token reads).
void CausalAttention(const AttentionShape& shape, const float* q, int64_t tokens, int64_t start,
                     const Half* k, const Half* v, float* out, ThreadPool& pool);

}  // namespace llm::cpu

#endif  // LLM_ENGINE_BACKEND_CPU_ATTENTION_H_
