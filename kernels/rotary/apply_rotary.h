// Rotary position embeddings on the GPU: rotates every head of q ([tokens, heads,
// head_dim], rows `token_stride` apart) and k ([tokens, kv_heads, head_dim], likewise) in
// place by its token's position: pair i turns by position · inv_freq[i], and cos and sin
// are scaled by `attention_factor` (yarn; 1 otherwise). The scaling mode (linear,
// dynamic, llama3, yarn, GGUF factors) lives in inv_freq, which the host computes as the
// CPU backend does (engine/model/rope.h). Pairs are adjacent (x[2i], x[2i+1]; GGUF llama)
// or the two halves of a head (x[i], x[i + head_dim/2]; HF). `positions` (int32 [tokens])
// and `inv_freq` (float [head_dim / 2]) are on the device; q and k use `dtype`.
#ifndef LLM_KERNELS_ROTARY_APPLY_ROTARY_H_
#define LLM_KERNELS_ROTARY_APPLY_ROTARY_H_

#include <cstdint>

#include "absl/status/status.h"
#include "kernels/common/device.h"
#include "kernels/common/dtype.h"

namespace llm::kernels {

struct RotaryShape {
  int64_t tokens = 0;
  int64_t heads = 0;
  int64_t kv_heads = 0;
  int64_t head_dim = 0;
  bool adjacent_pairs = false;
  float attention_factor = 1.0f;
  // Elements from one token's q row to the next, and likewise for k; 0: packed (heads ·
  // head_dim for q, kv_heads · head_dim for k). One fused Q/K/V product leaves q and k as
  // slices of each token's [q | k | v] row.
  int64_t token_stride = 0;
};

absl::Status ApplyRotary(void* q, void* k, const int32_t* positions, const float* inv_freq,
                         const RotaryShape& shape, DType dtype, cudaStream_t stream);

}  // namespace llm::kernels

#endif  // LLM_KERNELS_ROTARY_APPLY_ROTARY_H_
