#include <algorithm>

#include "kernels/common/block_reduce.cuh"
#include "kernels/common/cuda_status.h"
#include "kernels/common/element.cuh"
#include "kernels/normalization/fused_add_rms_norm.h"

namespace llm::kernels {
namespace {

// One block per row; threads stride over the row so loads coalesce. The second pass
// re-reads the row the first just wrote (from L1/L2).
template <typename T>
__global__ void FusedAddRmsNormKernel(T* __restrict__ x, T* __restrict__ residual,
                                      const T* __restrict__ weight, int64_t hidden, float eps) {
  T* row_x = x + blockIdx.x * hidden;
  T* row_residual = residual + blockIdx.x * hidden;
  float squares = 0.0f;
  for (int64_t c = threadIdx.x; c < hidden; c += blockDim.x) {
    const T sum = FromFloat<T>(ToFloat(row_x[c]) + ToFloat(row_residual[c]));
    row_residual[c] = sum;
    const float value = ToFloat(sum);
    squares += value * value;
  }
  const float inverse_rms = rsqrtf(BlockSum(squares) / static_cast<float>(hidden) + eps);
  for (int64_t c = threadIdx.x; c < hidden; c += blockDim.x) {
    row_x[c] = FromFloat<T>(ToFloat(row_residual[c]) * inverse_rms * ToFloat(weight[c]));
  }
}

}  // namespace

absl::Status FusedAddRmsNorm(void* x, void* residual, const void* weight, int64_t rows,
                             int64_t hidden, float eps, DType dtype, cudaStream_t stream) {
  if (x == nullptr || residual == nullptr || weight == nullptr) {
    return absl::InvalidArgumentError("FusedAddRmsNorm: null pointer");
  }
  if (rows < 0 || hidden < 0 || rows > 0x7fffffff || !(eps > 0.0f)) {
    return absl::InvalidArgumentError("FusedAddRmsNorm: bad shape or eps");
  }
  if (rows == 0 || hidden == 0) return absl::OkStatus();
  const int threads = static_cast<int>(std::min<int64_t>(1024, (hidden + 31) / 32 * 32));
  return DispatchDType(dtype, [&]<typename T>() {
    FusedAddRmsNormKernel<T><<<static_cast<unsigned>(rows), threads, 0, stream>>>(
        static_cast<T*>(x), static_cast<T*>(residual), static_cast<const T*>(weight), hidden,
        eps);
    return LaunchStatus("FusedAddRmsNormKernel");
  });
}

}  // namespace llm::kernels
