// Causal self-attention of new tokens against a sequence's cached keys and values,
// with grouped-query heads (query head h reads kv head h / (heads / kv_heads)).
#ifndef LLM_ENGINE_BACKEND_CPU_ATTENTION_H_
#define LLM_ENGINE_BACKEND_CPU_ATTENTION_H_

#include <cstdint>

#include "absl/types/span.h"
#include "engine/backend/cpu/thread_pool.h"
#include "engine/backend/cpu/vec.h"

namespace llm::cpu {

struct AttentionShape {
  int64_t heads = 0;
  int64_t kv_heads = 0;
  int64_t head_dim = 0;
  int64_t window = 0;  // Sliding window (Mistral): the last `window` positions; 0 is all.
};

// One layer of a sequence's keys and values in the paged KV cache, in f16 (half the
// bytes each decoded token reads). Position p is row p % block_tokens of block
// block_table[p / block_tokens]. A block of values is [kv_heads, block_tokens, head_dim];
// a block of keys is [kv_heads, head_dim, block_tokens], a row of positions per
// dimension, so one vector multiply-add scores eight positions without horizontal sums.
struct PagedKv {
  const Half* keys;    // Block 0 of the layer; block b starts b * block size later.
  const Half* values;  // Laid out as keys.
  const int32_t* block_table;
  int64_t block_tokens;
};

// One sequence in a batched attention call: its `tokens` new tokens at positions
// start .. start + tokens - 1, and its keys and values, which must hold positions
// 0 .. start + tokens - 1.
struct AttentionSequence {
  int64_t tokens = 0;
  int64_t start = 0;
  PagedKv kv;
};

// For each sequence's new tokens t = 0..tokens-1 at positions start + t:
//   out[t, h, :] = Σ_{p ≤ start+t} softmax_p(q[t, h, :] · k[h/g, p, :] / √head_dim) v[h/g, p, :]
// (with a window, p also > start + t − window).
// q and out are [tokens, heads, head_dim] in f32, the sequences' rows one after another.
// Every sequence's work goes to the threads at once; a token's result does not depend on
// what else is in the call.
void CausalAttention(const AttentionShape& shape, absl::Span<const AttentionSequence> sequences,
                     const float* q, float* out, ThreadPool& pool);

}  // namespace llm::cpu

#endif  // LLM_ENGINE_BACKEND_CPU_ATTENTION_H_
