// Stores a step's new keys and values into one layer of the paged KV cache on the GPU:
// a block is [kv_heads, block_tokens, head_dim] for keys and values alike (a token's head
// is one coalesced run; the CPU cache lays keys out by dimension instead), and token t
// goes to row slots[t] % block_tokens of block slots[t] / block_tokens (the scheduler's
// block tables give the slots). A negative slot skips its token. `keys` and `values` are
// [tokens, kv_heads, head_dim] (rows `token_stride` apart); the caches are the layer's
// blocks, one after another; all use `dtype`; `slots` is int64 on the device.
#ifndef LLM_KERNELS_KV_CACHE_WRITE_KV_CACHE_H_
#define LLM_KERNELS_KV_CACHE_WRITE_KV_CACHE_H_

#include <cstdint>

#include "absl/status/status.h"
#include "kernels/common/device.h"
#include "kernels/common/dtype.h"

namespace llm::kernels {

struct KvCacheShape {
  int64_t tokens = 0;
  int64_t kv_heads = 0;
  int64_t head_dim = 0;
  int64_t block_tokens = 0;
  // Elements from one token's keys to the next, and likewise for values; 0: packed
  // (kv_heads · head_dim). One fused Q/K/V product leaves them as slices of each token's
  // [q | k | v] row.
  int64_t token_stride = 0;
};

absl::Status WriteKvCache(const void* keys, const void* values, const int64_t* slots,
                          void* key_cache, void* value_cache, const KvCacheShape& shape,
                          DType dtype, cudaStream_t stream);

}  // namespace llm::kernels

#endif  // LLM_KERNELS_KV_CACHE_WRITE_KV_CACHE_H_
