// Gathers a Mixture-of-Experts layer's input rows into expert-contiguous order, so expert
// e's GEMM reads rows [expert_offsets[e], expert_offsets[e + 1]) of `out`:
//   out[p, :] = hidden_states[sorted_assignments[p] / k, :]
// Layout: `hidden_states` is row-major [tokens, hidden] and `out` [tokens * k, hidden],
// both in `dtype`; `sorted_assignments` is MoeAlign's int32 [tokens * k] on the device.
// An assignment outside [0, tokens * k) (MoeAlign's -1 for ids out of range) yields a
// zero row, so the output holds no uninitialized memory.
#ifndef LLM_KERNELS_MOE_MOE_GATHER_H_
#define LLM_KERNELS_MOE_MOE_GATHER_H_

#include <cstdint>

#include "absl/status/status.h"
#include "kernels/common/device.h"
#include "kernels/common/dtype.h"

namespace llm::kernels {

// Enqueues the kernel on `stream`; returns an error for bad arguments or a failed launch.
absl::Status MoeGather(const void* hidden_states, const int32_t* sorted_assignments, void* out,
                       int64_t tokens, int64_t k, int64_t hidden, DType dtype, cudaStream_t stream);

}  // namespace llm::kernels

#endif  // LLM_KERNELS_MOE_MOE_GATHER_H_
