// Gated SiLU, the activation of Llama-family MLPs: out = silu(gate) * up, where
// silu(x) = x / (1 + exp(-x)).
//
// Layout: `gate_up` is row-major [rows, 2 * cols], each row holding the gate projection
// (cols values) followed by the up projection (cols values), as the fused gate_up GEMM
// writes it; `out` is row-major [rows, cols]. Both use `dtype`; math is in fp32.
#ifndef LLM_KERNELS_ACTIVATION_SILU_AND_MUL_H_
#define LLM_KERNELS_ACTIVATION_SILU_AND_MUL_H_

#include <cstdint>

#include "absl/status/status.h"
#include "kernels/common/device.h"
#include "kernels/common/dtype.h"

namespace llm::kernels {

// Enqueues the kernel on `stream`; returns an error for bad arguments or a failed launch.
absl::Status SiluAndMul(const void* gate_up, void* out, int64_t rows, int64_t cols, DType dtype,
                        cudaStream_t stream);

}  // namespace llm::kernels

#endif  // LLM_KERNELS_ACTIVATION_SILU_AND_MUL_H_
