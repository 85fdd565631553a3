// The residual add and RMSNorm that open every Llama-family sub-block, fused so each
// row is read once:
//   residual = x + residual                          (stored in `dtype`)
//   x = residual / sqrt(mean(residual²) + eps) · weight
// Layout: `x` and `residual` are row-major [rows, hidden] and are both updated in place;
// `weight` is [hidden]. All three use `dtype`; math is in fp32 on the stored residual.
#ifndef LLM_KERNELS_NORMALIZATION_FUSED_ADD_RMS_NORM_H_
#define LLM_KERNELS_NORMALIZATION_FUSED_ADD_RMS_NORM_H_

#include <cstdint>

#include "absl/status/status.h"
#include "kernels/common/device.h"
#include "kernels/common/dtype.h"

namespace llm::kernels {

// Enqueues the kernel on `stream`; returns an error for bad arguments or a failed launch.
absl::Status FusedAddRmsNorm(void* x, void* residual, const void* weight, int64_t rows,
                             int64_t hidden, float eps, DType dtype, cudaStream_t stream);

}  // namespace llm::kernels

#endif  // LLM_KERNELS_NORMALIZATION_FUSED_ADD_RMS_NORM_H_
