// W = scale ⊙ Q on the GPU: USE_INT's INT8 weight rows (one f32 scale per row) widened to
// f16, bf16 or f32, so that a product over many tokens (a prefill, a large decode batch)
// can run on the tensor cores through cuBLASLt instead of re-reading the INT8 weights per
// eight tokens (skinny_gemm.h). Q and W are [n, k] row-major; k is a multiple of 16.
#ifndef LLM_KERNELS_GEMM_DEQUANTIZE_INT8_H_
#define LLM_KERNELS_GEMM_DEQUANTIZE_INT8_H_

#include <cstdint>

#include "absl/status/status.h"
#include "kernels/common/device.h"
#include "kernels/common/dtype.h"

namespace llm::kernels {

// Enqueues the widening on `stream`; an error for bad arguments or a failed launch.
absl::Status DequantizeInt8Rows(const int8_t* q, const float* scales, void* w, int64_t n, int64_t k,
                                DType dtype, cudaStream_t stream);

}  // namespace llm::kernels

#endif  // LLM_KERNELS_GEMM_DEQUANTIZE_INT8_H_
