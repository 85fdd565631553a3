// The router of a Mixture-of-Experts layer (Mixtral, Qwen-MoE, DeepSeek-style top-k):
// per token, a softmax over the experts' router logits, then the k experts of highest
// probability and their weights.
//
// Layout: `logits` is fp32 row-major [tokens, experts] (the router GEMM's output);
// `expert_ids` (int32) and `weights` (fp32) are row-major [tokens, k], each row in
// descending weight, ties going to the lower expert id. Selection compares the logits
// themselves (the softmax is monotonic), so it is exact and does not depend on how exp
// rounds. With `renormalize` the k weights are divided by their own sum (Mixtral;
// Qwen-MoE's norm_topk_prob), so they sum to 1; otherwise they are the full-softmax
// probabilities. A NaN logit counts as -inf; -inf masks an expert (weight 0), and each
// row needs at least one finite logit.
//
// Limits: 1 <= k <= experts <= kMoeMaxExperts, tokens * k < 2^31 (the assignment
// indices of MoeAlign are int32).
#ifndef LLM_KERNELS_MOE_MOE_TOPK_ROUTING_H_
#define LLM_KERNELS_MOE_MOE_TOPK_ROUTING_H_

#include <cstdint>

#include "absl/status/status.h"
#include "kernels/common/device.h"

namespace llm::kernels {

// One warp holds a token's logits in registers, eight per lane.
inline constexpr int64_t kMoeMaxExperts = 256;

// Enqueues the kernel on `stream`; returns an error for bad arguments or a failed launch.
absl::Status MoeTopKRouting(const float* logits, int32_t* expert_ids, float* weights,
                            int64_t tokens, int64_t experts, int64_t k, bool renormalize,
                            cudaStream_t stream);

}  // namespace llm::kernels

#endif  // LLM_KERNELS_MOE_MOE_TOPK_ROUTING_H_
