#include <type_traits>

#include "absl/strings/str_cat.h"
#include "kernels/common/cuda_status.h"
#include "kernels/common/element.cuh"
#include "kernels/gemm/skinny_gemm.h"

namespace llm::kernels {
namespace {

constexpr int kWarps = 8;   // Output rows per block, one per warp.
constexpr int kUnroll = 4;  // 16-byte weight loads per lane in flight.
constexpr int kTokens = static_cast<int>(kSkinnyGemmTokens);

__device__ __forceinline__ float ToFloat(int8_t x) { return static_cast<float>(x); }

// `count` elements of T from 16-byte-aligned memory, as floats.
template <typename T, int kCount>
__device__ __forceinline__ void LoadFloats(const T* from, float (&to)[kCount]) {
  constexpr int kWords = (kCount * sizeof(T) + 15) / 16;
  uint4 raw[kWords];
#pragma unroll
  for (int i = 0; i < kWords; ++i) raw[i] = reinterpret_cast<const uint4*>(from)[i];
  const T* values = reinterpret_cast<const T*>(raw);
#pragma unroll
  for (int i = 0; i < kCount; ++i) to[i] = ToFloat(values[i]);
}

// Grid: x over groups of kWarps rows, y over groups of kTokens tokens. A lane reads
// kPerLoad weights (16 bytes) per load, kUnroll loads apart by a warp's width, and keeps
// one partial sum per token; the warp adds them up at the end, in a fixed order. W is the
// weights' element type: T itself, or int8_t with a scale per row.
template <typename T, typename W>
__global__ void __launch_bounds__(kWarps * 32)
    SkinnyGemmKernel(const T* __restrict__ x, const W* __restrict__ w,
                     const float* __restrict__ scales, const T* __restrict__ bias,
                     T* __restrict__ y, int64_t m, int64_t n, int64_t k) {
  constexpr int kPerLoad = 16 / sizeof(W);
  const int lane = threadIdx.x % 32;
  const int64_t row = static_cast<int64_t>(blockIdx.x) * kWarps + threadIdx.x / 32;
  if (row >= n) return;
  const int64_t t0 = static_cast<int64_t>(blockIdx.y) * kTokens;
  const int64_t left = m - t0;
  const int tokens = left < kTokens ? static_cast<int>(left) : kTokens;
  float sum[kTokens] = {};
  const W* weights = w + row * k;
  for (int64_t c0 = lane * kPerLoad; c0 < k; c0 += 32 * kPerLoad * kUnroll) {
    float wf[kUnroll][kPerLoad];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const int64_t c = c0 + u * 32 * kPerLoad;
      if (c < k) {
        LoadFloats<W, kPerLoad>(weights + c, wf[u]);
      } else {
#pragma unroll
        for (int i = 0; i < kPerLoad; ++i) wf[u][i] = 0.0f;
      }
    }
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const int64_t c = c0 + u * 32 * kPerLoad;
      if (c >= k) break;
#pragma unroll
      for (int t = 0; t < kTokens; ++t) {
        if (t < tokens) {
          float xf[kPerLoad];
          LoadFloats<T, kPerLoad>(x + (t0 + t) * k + c, xf);
#pragma unroll
          for (int i = 0; i < kPerLoad; ++i) sum[t] = fmaf(wf[u][i], xf[i], sum[t]);
        }
      }
    }
  }
  const float scale = scales != nullptr ? scales[row] : 1.0f;
  const float bias_value = bias != nullptr ? ToFloat(bias[row]) : 0.0f;
#pragma unroll
  for (int t = 0; t < kTokens; ++t) {
    float total = sum[t];
#pragma unroll
    for (int offset = 16; offset > 0; offset /= 2) {
      total += __shfl_xor_sync(0xffffffffu, total, offset);
    }
    if (lane == 0 && t < tokens) y[(t0 + t) * n + row] = FromFloat<T>(total * scale + bias_value);
  }
}

// Checks the arguments and launches the kernel with weights of type W (void: the
// activations' type).
template <typename W>
absl::Status Launch(const char* name, const void* x, const void* w, const float* scales,
                    const void* bias, void* y, int64_t m, int64_t n, int64_t k, DType dtype,
                    cudaStream_t stream) {
  if (x == nullptr || w == nullptr || y == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": null pointer"));
  }
  const int64_t per_load = std::is_same_v<W, int8_t> ? 16 : 8;
  if (m < 0 || n < 0 || k <= 0 || k % per_load != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": k = ", k, " must be a positive multiple of ", per_load));
  }
  if (reinterpret_cast<uintptr_t>(w) % 16 != 0 || reinterpret_cast<uintptr_t>(x) % 16 != 0) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": X and W must be 16-byte aligned"));
  }
  if (m == 0 || n == 0) return absl::OkStatus();
  const dim3 grid(static_cast<unsigned>((n + kWarps - 1) / kWarps),
                  static_cast<unsigned>((m + kTokens - 1) / kTokens));
  return DispatchDType(dtype, [&]<typename T>() {
    using Weight = std::conditional_t<std::is_same_v<W, int8_t>, int8_t, T>;
    SkinnyGemmKernel<T, Weight><<<grid, kWarps * 32, 0, stream>>>(
        static_cast<const T*>(x), static_cast<const Weight*>(w), scales,
        static_cast<const T*>(bias), static_cast<T*>(y), m, n, k);
    return LaunchStatus(name);
  });
}

}  // namespace

absl::Status SkinnyGemm(const void* x, const void* w, void* y, int64_t m, int64_t n, int64_t k,
                        DType dtype, cudaStream_t stream, const void* bias) {
  return Launch<void>("SkinnyGemm", x, w, nullptr, bias, y, m, n, k, dtype, stream);
}

absl::Status Int8WeightGemm(const void* x, const int8_t* q, const float* scales, void* y, int64_t m,
                            int64_t n, int64_t k, DType dtype, cudaStream_t stream,
                            const void* bias) {
  if (scales == nullptr) return absl::InvalidArgumentError("Int8WeightGemm: null pointer");
  return Launch<int8_t>("Int8WeightGemm", x, q, scales, bias, y, m, n, k, dtype, stream);
}

}  // namespace llm::kernels
