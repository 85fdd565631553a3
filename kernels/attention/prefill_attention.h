// Prefill attention over the paged KV cache, several sequences in one launch: sequence s
// has q_lens[s] = q_starts[s + 1] - q_starts[s] new tokens, its LAST q_lens[s] positions
// out of context_lens[s] (more than q_lens[s] when a cached prefix is reused), and each
// new token at position p attends causally to positions <= p, whose keys and values are
// already in the cache (the new tokens' included, write_kv_cache.h):
//   out[t, h, :] = Σ_{p' <= p} softmax_p'(q[t, h, :] · k[h/g, p', :] / √head_dim) v[h/g, p', :]
// with grouped-query heads (g = heads / kv_heads) and an optional sliding window (p' also
// > p - window). Flash-attention style: the scores are never stored; a running softmax per
// query row is kept in fp32 over tiles of keys and values staged in shared memory.
// Layout: q and out are [total tokens, heads, head_dim], the sequences' tokens one after
// another (q's rows q_token_stride apart); the caches are one layer's blocks ([kv_heads,
// block_tokens, head_dim] each); block_tables is int32 [sequences, max_blocks]; q_starts
// int32 [sequences + 1] (exclusive prefix sums of q_lens); context_lens int32
// [sequences]; all on the device, in `dtype` where not int32. head_dim must be a multiple
// of 8 (16-byte loads of f16) up to 256.
#ifndef LLM_KERNELS_ATTENTION_PREFILL_ATTENTION_H_
#define LLM_KERNELS_ATTENTION_PREFILL_ATTENTION_H_

#include <cstdint>

#include "absl/status/status.h"
#include "kernels/common/device.h"
#include "kernels/common/dtype.h"

namespace llm::kernels {

struct PrefillAttentionShape {
  int64_t sequences = 0;
  int64_t heads = 0;
  int64_t kv_heads = 0;
  int64_t head_dim = 0;
  int64_t block_tokens = 0;
  int64_t max_blocks = 0;  // Entries per row of block_tables.
  // At least the largest q_lens[s] (the host knows it; the lengths are on the device): the
  // grid covers this many tokens of every sequence, and tokens beyond it are not computed.
  int64_t max_q_len = 0;
  int64_t window = 0;  // Sliding window (Mistral); 0 is all positions.
  // Elements from one token's query row to the next, a multiple of 8; 0: packed (heads ·
  // head_dim). A fused Q/K/V product leaves q as a slice of each token's [q | k | v] row.
  int64_t q_token_stride = 0;
};

absl::Status PrefillAttention(const void* q, const void* key_cache, const void* value_cache,
                              const int32_t* block_tables, const int32_t* q_starts,
                              const int32_t* context_lens, void* out,
                              const PrefillAttentionShape& shape, DType dtype, cudaStream_t stream);

}  // namespace llm::kernels

#endif  // LLM_KERNELS_ATTENTION_PREFILL_ATTENTION_H_
