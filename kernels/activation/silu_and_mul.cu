#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <algorithm>

#include "kernels/activation/silu_and_mul.h"
#include "kernels/common/cuda_status.h"

namespace llm::kernels {
namespace {

__device__ __forceinline__ float ToFloat(float x) { return x; }
__device__ __forceinline__ float ToFloat(__half x) { return __half2float(x); }
__device__ __forceinline__ float ToFloat(__nv_bfloat16 x) { return __bfloat162float(x); }

template <typename T>
__device__ __forceinline__ T FromFloat(float x);
template <>
__device__ __forceinline__ float FromFloat<float>(float x) {
  return x;
}
template <>
__device__ __forceinline__ __half FromFloat<__half>(float x) {
  return __float2half_rn(x);
}
template <>
__device__ __forceinline__ __nv_bfloat16 FromFloat<__nv_bfloat16>(float x) {
  return __float2bfloat16_rn(x);
}

// One block per row; threads stride over the row's columns so loads coalesce.
template <typename T>
__global__ void SiluAndMulKernel(const T* __restrict__ gate_up, T* __restrict__ out, int64_t cols) {
  const T* gate = gate_up + blockIdx.x * 2 * cols;
  const T* up = gate + cols;
  T* row_out = out + blockIdx.x * cols;
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
    const float g = ToFloat(gate[c]);
    row_out[c] = FromFloat<T>(g / (1.0f + __expf(-g)) * ToFloat(up[c]));
  }
}

template <typename T>
absl::Status Launch(const void* gate_up, void* out, int64_t rows, int64_t cols,
                    cudaStream_t stream) {
  const int threads = static_cast<int>(std::min<int64_t>(1024, (cols + 31) / 32 * 32));
  SiluAndMulKernel<T><<<static_cast<unsigned>(rows), threads, 0, stream>>>(
      static_cast<const T*>(gate_up), static_cast<T*>(out), cols);
  return LaunchStatus("SiluAndMulKernel");
}

}  // namespace

absl::Status SiluAndMul(const void* gate_up, void* out, int64_t rows, int64_t cols, DType dtype,
                        cudaStream_t stream) {
  if (gate_up == nullptr || out == nullptr) {
    return absl::InvalidArgumentError("SiluAndMul: null pointer");
  }
  if (rows < 0 || cols < 0 || rows > 0x7fffffff) {
    return absl::InvalidArgumentError("SiluAndMul: bad shape");
  }
  if (rows == 0 || cols == 0) return absl::OkStatus();
  switch (dtype) {
    case DType::kF32:
      return Launch<float>(gate_up, out, rows, cols, stream);
    case DType::kF16:
      return Launch<__half>(gate_up, out, rows, cols, stream);
    case DType::kBF16:
      return Launch<__nv_bfloat16>(gate_up, out, rows, cols, stream);
  }
  return absl::InvalidArgumentError("SiluAndMul: unknown dtype");
}

}  // namespace llm::kernels
