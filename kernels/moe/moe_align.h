// Groups a Mixture-of-Experts layer's token-to-expert assignments by expert, so each
// expert's GEMM reads one contiguous block of rows (MoeGather) and the results can be
// combined back per token (MoeScatterReduce).
//
// An assignment is (token, slot) of the router's [tokens, k] `expert_ids` (int32, on the
// device), numbered token * k + slot. Outputs, all int32 on the device:
//   expert_counts         [experts]      assignments per expert.
//   expert_offsets        [experts + 1]  exclusive prefix sum of the counts; expert e's
//                                        rows are [offsets[e], offsets[e + 1]).
//   sorted_assignments    [tokens * k]   position -> assignment: expert by expert, and
//                                        within an expert in increasing assignment
//                                        number (token order, then slot order).
//   assignment_positions  [tokens * k]   assignment -> position, the inverse.
// The order is a stable counting sort, the same on every run (no atomics decide it).
// An id outside [0, experts) assigns its (token, slot) to no expert: it is counted
// nowhere, its position is -1, and the positions past offsets[experts] hold -1 (which
// MoeGather turns into zero rows and MoeScatterReduce skips).
//
// Limits: 1 <= experts <= kMoeMaxExperts, k >= 1, tokens * k < 2^31. One block does the
// whole sort (32 warps, each over a contiguous run of assignments): routing is a few
// microseconds even for prefill-sized batches, and needs no workspace.
#ifndef LLM_KERNELS_MOE_MOE_ALIGN_H_
#define LLM_KERNELS_MOE_MOE_ALIGN_H_

#include <cstdint>

#include "absl/status/status.h"
#include "kernels/common/device.h"
#include "kernels/moe/moe_topk_routing.h"

namespace llm::kernels {

// Enqueues the kernel on `stream`; returns an error for bad arguments or a failed launch.
// With tokens == 0 it still writes the (zero) counts and offsets.
absl::Status MoeAlign(const int32_t* expert_ids, int32_t* expert_counts, int32_t* expert_offsets,
                      int32_t* sorted_assignments, int32_t* assignment_positions, int64_t tokens,
                      int64_t k, int64_t experts, cudaStream_t stream);

}  // namespace llm::kernels

#endif  // LLM_KERNELS_MOE_MOE_ALIGN_H_
