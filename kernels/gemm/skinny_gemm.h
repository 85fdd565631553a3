// Y = X · Wᵀ on the GPU for few tokens (decode steps), where a product is a stream of its
// weights: a block streams four output rows' weights with 16-byte loads, its threads
// splitting the columns, and multiplies them with up to eight tokens' activations, so a
// pass reads each weight byte once. X is [m, k], W is [n, k] (nn.Linear's [out, in]), Y is
// [m, n], all row-major, activations and output in f16, bf16 or f32. Two weight formats:
//   SkinnyGemm      W in the activations' type;
//   Int8WeightGemm  USE_INT's INT8 rows with one f32 scale each (W = scale ⊙ Q), converted
//                   to f32 in registers: half the bytes of bf16.
// More than eight tokens take more passes (each re-reads the weights): past a few passes
// a tensor-core GEMM (cublaslt_gemm.h) moves fewer bytes. k must be a multiple of 8 (16
// for INT8), and W 16-byte aligned.
#ifndef LLM_KERNELS_GEMM_SKINNY_GEMM_H_
#define LLM_KERNELS_GEMM_SKINNY_GEMM_H_

#include <cstdint>

#include "absl/status/status.h"
#include "kernels/common/device.h"
#include "kernels/common/dtype.h"

namespace llm::kernels {

// Tokens one pass over the weights serves.
inline constexpr int kSkinnyGemmTokens = 8;

// Enqueues Y = X · Wᵀ (+ bias, [n] in dtype, when given) on `stream`; an error for bad
// arguments or a failed launch.
absl::Status SkinnyGemm(const void* x, const void* w, void* y, int64_t m, int64_t n, int64_t k,
                        DType dtype, cudaStream_t stream, const void* bias = nullptr);
absl::Status Int8WeightGemm(const void* x, const int8_t* q, const float* scales, void* y, int64_t m,
                            int64_t n, int64_t k, DType dtype, cudaStream_t stream,
                            const void* bias = nullptr);

}  // namespace llm::kernels

#endif  // LLM_KERNELS_GEMM_SKINNY_GEMM_H_
