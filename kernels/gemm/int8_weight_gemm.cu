#include "absl/strings/str_cat.h"
#include "kernels/common/cuda_status.h"
#include "kernels/common/element.cuh"
#include "kernels/gemm/int8_weight_gemm.h"

namespace llm::kernels {
namespace {

constexpr int kWarps = 8;    // Output rows per block, one per warp.
constexpr int kTokens = 8;   // Tokens per pass over a row's weights.
constexpr int kChunk = 16;   // Weights per lane per step: one 16-byte load.

// Grid: x over groups of kWarps rows, y over groups of kTokens tokens. Each lane keeps
// one partial sum per token; the warp adds them up at the end, in a fixed order.
template <typename T>
__global__ void __launch_bounds__(kWarps * 32)
    Int8WeightGemmKernel(const T* __restrict__ x, const int8_t* __restrict__ q,
                         const float* __restrict__ scales, T* __restrict__ y, int64_t m,
                         int64_t n, int64_t k) {
  const int lane = threadIdx.x % 32;
  const int64_t row = static_cast<int64_t>(blockIdx.x) * kWarps + threadIdx.x / 32;
  if (row >= n) return;
  const int64_t t0 = static_cast<int64_t>(blockIdx.y) * kTokens;
  const int64_t left = m - t0;
  const int tokens = left < kTokens ? static_cast<int>(left) : kTokens;
  float sum[kTokens] = {};
  const int8_t* weights = q + row * k;
  for (int64_t c = lane * kChunk; c < k; c += 32 * kChunk) {
    const int4 packed = *reinterpret_cast<const int4*>(weights + c);
    const int8_t* w8 = reinterpret_cast<const int8_t*>(&packed);
    float w[kChunk];
#pragma unroll
    for (int i = 0; i < kChunk; ++i) w[i] = static_cast<float>(w8[i]);
#pragma unroll
    for (int t = 0; t < kTokens; ++t) {
      if (t < tokens) {
        const T* xt = x + (t0 + t) * k + c;
#pragma unroll
        for (int i = 0; i < kChunk; ++i) sum[t] = fmaf(w[i], ToFloat(xt[i]), sum[t]);
      }
    }
  }
  const float scale = scales[row];
#pragma unroll
  for (int t = 0; t < kTokens; ++t) {
    float total = sum[t];
#pragma unroll
    for (int offset = 16; offset > 0; offset /= 2) {
      total += __shfl_xor_sync(0xffffffffu, total, offset);
    }
    if (lane == 0 && t < tokens) y[(t0 + t) * n + row] = FromFloat<T>(total * scale);
  }
}

}  // namespace

absl::Status Int8WeightGemm(const void* x, const int8_t* q, const float* scales, void* y,
                            int64_t m, int64_t n, int64_t k, DType dtype, cudaStream_t stream) {
  if (x == nullptr || q == nullptr || scales == nullptr || y == nullptr) {
    return absl::InvalidArgumentError("Int8WeightGemm: null pointer");
  }
  if (m < 0 || n < 0 || k <= 0 || k % kChunk != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("Int8WeightGemm: k = ", k, " must be a positive multiple of ", kChunk));
  }
  if (reinterpret_cast<uintptr_t>(q) % 16 != 0) {
    return absl::InvalidArgumentError("Int8WeightGemm: weights must be 16-byte aligned");
  }
  if (m == 0 || n == 0) return absl::OkStatus();
  const dim3 grid(static_cast<unsigned>((n + kWarps - 1) / kWarps),
                  static_cast<unsigned>((m + kTokens - 1) / kTokens));
  return DispatchDType(dtype, [&]<typename T>() {
    Int8WeightGemmKernel<T><<<grid, kWarps * 32, 0, stream>>>(
        static_cast<const T*>(x), q, scales, static_cast<T*>(y), m, n, k);
    return LaunchStatus("Int8WeightGemmKernel");
  });
}

}  // namespace llm::kernels
