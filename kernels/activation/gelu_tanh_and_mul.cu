#include <algorithm>

#include "kernels/activation/gelu_tanh_and_mul.h"
#include "kernels/common/cuda_status.h"
#include "kernels/common/element.cuh"

namespace llm::kernels {
namespace {

// sqrt(2 / pi).
constexpr float kSqrt2OverPi = 0.7978845608028654f;
constexpr float kCubicCoefficient = 0.044715f;

// One block per row; threads stride over the row's columns so loads coalesce. tanhf
// (not a fast approximation) keeps fp32 results within a few ulp of the formula; the
// kernel is bound by memory either way.
template <typename T>
__global__ void GeluTanhAndMulKernel(const T* __restrict__ gate_up, T* __restrict__ out,
                                     int64_t cols) {
  const T* gate = gate_up + blockIdx.x * 2 * cols;
  const T* up = gate + cols;
  T* row_out = out + blockIdx.x * cols;
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
    const float g = ToFloat(gate[c]);
    const float inner = kSqrt2OverPi * (g + kCubicCoefficient * g * g * g);
    row_out[c] = FromFloat<T>(0.5f * g * (1.0f + tanhf(inner)) * ToFloat(up[c]));
  }
}

}  // namespace

absl::Status GeluTanhAndMul(const void* gate_up, void* out, int64_t rows, int64_t cols, DType dtype,
                            cudaStream_t stream) {
  if (gate_up == nullptr || out == nullptr) {
    return absl::InvalidArgumentError("GeluTanhAndMul: null pointer");
  }
  if (rows < 0 || cols < 0 || rows > 0x7fffffff) {
    return absl::InvalidArgumentError("GeluTanhAndMul: bad shape");
  }
  if (rows == 0 || cols == 0) return absl::OkStatus();
  const int threads = static_cast<int>(std::min<int64_t>(1024, (cols + 31) / 32 * 32));
  return DispatchDType(dtype, [&]<typename T>() {
    GeluTanhAndMulKernel<T><<<static_cast<unsigned>(rows), threads, 0, stream>>>(
        static_cast<const T*>(gate_up), static_cast<T*>(out), cols);
    return LaunchStatus("GeluTanhAndMulKernel");
  });
}

}  // namespace llm::kernels
