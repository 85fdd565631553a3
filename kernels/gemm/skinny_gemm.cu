#include <type_traits>

#include "absl/strings/str_cat.h"
#include "kernels/common/cuda_status.h"
#include "kernels/common/element.cuh"
#include "kernels/common/launch.cuh"
#include "kernels/gemm/skinny_gemm.h"

namespace llm::kernels {
namespace {

constexpr int kThreads = 256;  // Split one row group's k columns between them.
constexpr int kRows = 4;       // Output rows per block: each activation load serves all.
constexpr int kUnroll = 2;     // 16-byte loads per row and thread in flight.

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

// Grid: x over groups of kRows output rows, y over passes of kTokens tokens. The block's
// threads split the rows' k columns in pieces of one 16-byte weight load: thread i takes
// pieces i, i + kThreads, ... of each of the kRows rows, kUnroll pieces per row in flight,
// so that every block issues its loads at once and a short block, not a long warp, is the
// unit of work (no tail of lone warps on a small grid). A piece's activations, loaded once
// per token, serve the kRows rows. Each thread keeps one partial sum per (row, token);
// warps, then the block, add them in a fixed order. W is the weights' element type: T
// itself, or int8_t with a scale per row.
template <typename T, typename W, int kTokens>
__global__ void __launch_bounds__(kThreads)
    SkinnyGemmKernel(const T* __restrict__ x, const W* __restrict__ w,
                     const float* __restrict__ scales, const T* __restrict__ bias,
                     T* __restrict__ y, int64_t m, int64_t n, int64_t k) {
  constexpr int kPerLoad = 16 / sizeof(W);
  const int64_t row0 = static_cast<int64_t>(blockIdx.x) * kRows;
  const int64_t t0 = static_cast<int64_t>(blockIdx.y) * kTokens;
  const int rows = n - row0 < kRows ? static_cast<int>(n - row0) : kRows;
  const int tokens = m - t0 < kTokens ? static_cast<int>(m - t0) : kTokens;
  const int64_t pieces = k / kPerLoad;
  float sum[kRows][kTokens] = {};
  uint4 raw[kUnroll][kRows];
  auto load_weights = [&](int64_t p0) {
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const int64_t p = p0 + u * kThreads;
#pragma unroll
      for (int r = 0; r < kRows; ++r) {
        raw[u][r] = p < pieces && r < rows ? reinterpret_cast<const uint4*>(w + (row0 + r) * k)[p]
                                           : make_uint4(0, 0, 0, 0);
      }
    }
  };
  // The first weights are the model's, written by no kernel: they stream in while the
  // kernel before (which writes x) finishes.
  load_weights(threadIdx.x);
  WaitForPriorKernel();
  AllowNextKernel();
  for (int64_t p0 = threadIdx.x; p0 < pieces; p0 += kThreads * kUnroll) {
    if (p0 != threadIdx.x) load_weights(p0);
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const int64_t p = p0 + u * kThreads;
      if (p >= pieces) break;
      float wf[kRows][kPerLoad];
#pragma unroll
      for (int r = 0; r < kRows; ++r) {
        const W* values = reinterpret_cast<const W*>(&raw[u][r]);
#pragma unroll
        for (int i = 0; i < kPerLoad; ++i) wf[r][i] = ToFloat(values[i]);
      }
#pragma unroll
      for (int t = 0; t < kTokens; ++t) {
        if (t >= tokens) break;
        float xf[kPerLoad];
        LoadFloats<T, kPerLoad>(x + (t0 + t) * k + p * kPerLoad, xf);
#pragma unroll
        for (int r = 0; r < kRows; ++r) {
#pragma unroll
          for (int i = 0; i < kPerLoad; ++i) sum[r][t] = fmaf(wf[r][i], xf[i], sum[r][t]);
        }
      }
    }
  }
  __shared__ float partial[kThreads / 32][kRows * kTokens];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
#pragma unroll
  for (int r = 0; r < kRows; ++r) {
#pragma unroll
    for (int t = 0; t < kTokens; ++t) {
      float total = sum[r][t];
#pragma unroll
      for (int offset = 16; offset > 0; offset /= 2) {
        total += __shfl_xor_sync(0xffffffffu, total, offset);
      }
      if (lane == 0) partial[warp][r * kTokens + t] = total;
    }
  }
  __syncthreads();
  if (threadIdx.x >= kRows * kTokens) return;
  const int r = threadIdx.x / kTokens, t = threadIdx.x % kTokens;
  if (r >= rows || t >= tokens) return;
  float total = 0.0f;
#pragma unroll
  for (int i = 0; i < kThreads / 32; ++i) total += partial[i][threadIdx.x];
  const int64_t row = row0 + r;
  const float scale = scales != nullptr ? scales[row] : 1.0f;
  const float bias_value = bias != nullptr ? ToFloat(bias[row]) : 0.0f;
  y[(t0 + t) * n + row] = FromFloat<T>(total * scale + bias_value);
}

// Launches the kernel instantiated for a pass of kTokens tokens.
template <typename T, typename W, int kTokens>
absl::Status LaunchPasses(const T* x, const W* w, const float* scales, const T* bias, T* y,
                          int64_t m, int64_t n, int64_t k, cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned>((n + kRows - 1) / kRows),
                  static_cast<unsigned>((m + kTokens - 1) / kTokens));
  return LaunchKernel("SkinnyGemmKernel", SkinnyGemmKernel<T, W, kTokens>, grid, kThreads, 0,
                      stream, x, w, scales, bias, y, m, n, k);
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
  return DispatchDType(dtype, [&]<typename T>() {
    using Weight = std::conditional_t<std::is_same_v<W, int8_t>, int8_t, T>;
    const auto* xt = static_cast<const T*>(x);
    const auto* wt = static_cast<const Weight*>(w);
    const auto* bt = static_cast<const T*>(bias);
    auto* yt = static_cast<T*>(y);
    // The fewest tokens per pass that serve m (a sum per row and token lives in registers).
    if (m == 1) return LaunchPasses<T, Weight, 1>(xt, wt, scales, bt, yt, m, n, k, stream);
    if (m == 2) return LaunchPasses<T, Weight, 2>(xt, wt, scales, bt, yt, m, n, k, stream);
    if (m <= 4) return LaunchPasses<T, Weight, 4>(xt, wt, scales, bt, yt, m, n, k, stream);
    return LaunchPasses<T, Weight, kSkinnyGemmTokens>(xt, wt, scales, bt, yt, m, n, k, stream);
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
