// The residual add and LayerNorm that open every sub-block of LayerNorm models (GPT-2,
// Phi, Falcon, StarCoder...), fused so each row is read from memory once:
//   residual = x + residual                                    (stored in `dtype`)
//   x = (residual - mean(residual)) / sqrt(var(residual) + eps) · weight + bias
// where var is the biased (population) variance over the row, as torch's layer_norm.
// Layout: `x` and `residual` are row-major [rows, hidden] and are both updated in place
// (the same contract as FusedAddRmsNorm); `weight` and `bias` are [hidden]. `bias` may be
// null (no bias). All use `dtype`; math is in fp32 on the stored residual.
#ifndef LLM_KERNELS_NORMALIZATION_FUSED_ADD_LAYER_NORM_H_
#define LLM_KERNELS_NORMALIZATION_FUSED_ADD_LAYER_NORM_H_

#include <cstdint>

#include "absl/status/status.h"
#include "kernels/common/device.h"
#include "kernels/common/dtype.h"

namespace llm::kernels {

// Enqueues the kernel on `stream`; returns an error for bad arguments or a failed launch.
absl::Status FusedAddLayerNorm(void* x, void* residual, const void* weight, const void* bias,
                               int64_t rows, int64_t hidden, float eps, DType dtype,
                               cudaStream_t stream);

}  // namespace llm::kernels

#endif  // LLM_KERNELS_NORMALIZATION_FUSED_ADD_LAYER_NORM_H_
