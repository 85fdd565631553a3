// Decode attention over the paged KV cache: each sequence's one new token attends to
// its positions 0 .. context_lens[s] - 1 (the new token's keys and values already
// written, write_kv_cache.h), with grouped-query heads (head h reads kv head
// h / (heads / kv_heads)) and an optional sliding window:
//   out[s, h, :] = Σ_p softmax_p(q[s, h, :] · k[p] / √head_dim) v[p]
// Layout: q and out are [sequences, heads, head_dim] (q's rows q_token_stride apart); the
// caches are one layer's blocks ([kv_heads, block_tokens, head_dim] each); block_tables
// is int32 [sequences, max_blocks]; context_lens int32 [sequences]; all on the device, in
// `dtype` where not int32. head_dim is a multiple of 8 up to 256 (a lane reads 16 bytes of
// a row).
// Memory-bound: a thread block serves up to four query heads of one kv head, so that
// grouped heads read their keys and values once, and reads a row per 16 lanes (at
// head_dim 128) with 16-byte loads, four rows per lane group in flight, kept packed until
// used. Short batches would leave most multiprocessors idle, so the positions are split
// (flash-decoding): each split keeps its own running softmax over every splits-th tile of
// 64 positions, and a second launch merges the splits.
#ifndef LLM_KERNELS_ATTENTION_PAGED_ATTENTION_DECODE_H_
#define LLM_KERNELS_ATTENTION_PAGED_ATTENTION_DECODE_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "kernels/common/device.h"
#include "kernels/common/dtype.h"

namespace llm::kernels {

struct PagedAttentionShape {
  int64_t sequences = 0;
  int64_t heads = 0;
  int64_t kv_heads = 0;
  int64_t head_dim = 0;
  int64_t block_tokens = 0;
  int64_t max_blocks = 0;  // Entries per row of block_tables.
  int64_t window = 0;      // Sliding window (Mistral); 0 is all positions.
  // Position splits, up to 16; 0 chooses enough to fill the GPU. The choice depends on
  // the shape alone, so a CUDA graph captured for a shape stays right.
  int64_t splits = 0;
  // Elements from one sequence's query row to the next, a multiple of 8; 0: packed (heads ·
  // head_dim). A fused Q/K/V product leaves q as a slice of each token's [q | k | v] row.
  int64_t q_token_stride = 0;
};

// The number of splits PagedAttentionDecode uses for `shape`.
int64_t PagedAttentionDecodeSplits(const PagedAttentionShape& shape);

// Bytes of device memory PagedAttentionDecode needs as `workspace` for `shape` (0 with one
// split): each split's partial softmax.
size_t PagedAttentionDecodeWorkspace(const PagedAttentionShape& shape);

absl::Status PagedAttentionDecode(const void* q, const void* key_cache, const void* value_cache,
                                  const int32_t* block_tables, const int32_t* context_lens,
                                  void* out, const PagedAttentionShape& shape, DType dtype,
                                  void* workspace, cudaStream_t stream);

}  // namespace llm::kernels

#endif  // LLM_KERNELS_ATTENTION_PAGED_ATTENTION_DECODE_H_
