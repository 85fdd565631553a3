// Combines a Mixture-of-Experts layer's expert outputs back into token order:
//   out[t, :] = sum over s in [0, k) of weights[t, s] · expert_out[positions[t, s], :]
// (positions = assignment_positions viewed as [tokens, k]),
// summed in fp32 in slot order and stored once, so the result is the same on every run
// (no floating-point atomics, no dependence on how experts were scheduled).
// Layout: `expert_out` is row-major [tokens * k, hidden] in MoeAlign's (expert-contiguous)
// order and `out` [tokens, hidden], both in `dtype`; `assignment_positions` (MoeAlign's,
// int32) and `weights` (MoeTopKRouting's, fp32) are [tokens, k] on the device. A position
// outside [0, tokens * k) (MoeAlign's -1 for ids out of range) contributes nothing.
//
// Limits: 1 <= k <= kMoeMaxTopK, tokens < 2^31, tokens * k < 2^31.
#ifndef LLM_KERNELS_MOE_MOE_SCATTER_REDUCE_H_
#define LLM_KERNELS_MOE_MOE_SCATTER_REDUCE_H_

#include <cstdint>

#include "absl/status/status.h"
#include "kernels/common/device.h"
#include "kernels/common/dtype.h"

namespace llm::kernels {

// A token's positions and weights are staged in shared memory.
inline constexpr int64_t kMoeMaxTopK = 256;

// Enqueues the kernel on `stream`; returns an error for bad arguments or a failed launch.
absl::Status MoeScatterReduce(const void* expert_out, const int32_t* assignment_positions,
                              const float* weights, void* out, int64_t tokens, int64_t k,
                              int64_t hidden, DType dtype, cudaStream_t stream);

}  // namespace llm::kernels

#endif  // LLM_KERNELS_MOE_MOE_SCATTER_REDUCE_H_
