// Y = X · (scale ⊙ Q)ᵀ on the GPU for USE_INT: INT8 weights with one f32 scale per output
// channel (the format the CPU's USE_INT stores), activations and output in f16 or bf16.
// Design: the weights are dequantized in the product's prologue, in registers: each warp
// streams 16 int8 weights per lane (one 16-byte load) of one output row, converts them to
// f32 and multiplies them with up to eight tokens' activations, so a decode step reads
// each weight byte once, half the bytes of bf16. X is [m, k], Q is [n, k] (nn.Linear's
// [out, in]), Y is [m, n], all row-major; k must be a multiple of 16.
#ifndef LLM_KERNELS_GEMM_INT8_WEIGHT_GEMM_H_
#define LLM_KERNELS_GEMM_INT8_WEIGHT_GEMM_H_

#include <cstdint>

#include "absl/status/status.h"
#include "kernels/common/device.h"
#include "kernels/common/dtype.h"

namespace llm::kernels {

// Enqueues the product on `stream`; an error for bad arguments or a failed launch.
absl::Status Int8WeightGemm(const void* x, const int8_t* q, const float* scales, void* y, int64_t m,
                            int64_t n, int64_t k, DType dtype, cudaStream_t stream);

}  // namespace llm::kernels

#endif  // LLM_KERNELS_GEMM_INT8_WEIGHT_GEMM_H_
