#include <algorithm>

#include "kernels/common/block_reduce.cuh"
#include "kernels/common/cuda_status.h"
#include "kernels/common/element.cuh"
#include "kernels/normalization/fused_add_layer_norm.h"

namespace llm::kernels {
namespace {

// One block per row; threads stride over the row so loads coalesce. The variance is
// taken in a second pass over (value - mean) rather than as E[v²] - mean², which
// cancels catastrophically in fp32 when a row's mean is large against its spread
// (residual streams drift). The later passes re-read the row the first just wrote
// (from L1/L2), each thread only the elements it wrote itself.
template <typename T>
__global__ void FusedAddLayerNormKernel(T* __restrict__ x, T* __restrict__ residual,
                                        const T* __restrict__ weight, const T* __restrict__ bias,
                                        int64_t hidden, float eps) {
  T* row_x = x + blockIdx.x * hidden;
  T* row_residual = residual + blockIdx.x * hidden;
  float sum = 0.0f;
  for (int64_t c = threadIdx.x; c < hidden; c += blockDim.x) {
    const T stored = FromFloat<T>(ToFloat(row_x[c]) + ToFloat(row_residual[c]));
    row_residual[c] = stored;
    sum += ToFloat(stored);
  }
  const float mean = BlockSum(sum) / static_cast<float>(hidden);
  float squares = 0.0f;
  for (int64_t c = threadIdx.x; c < hidden; c += blockDim.x) {
    const float centered = ToFloat(row_residual[c]) - mean;
    squares += centered * centered;
  }
  const float inverse_std = rsqrtf(BlockSum(squares) / static_cast<float>(hidden) + eps);
  for (int64_t c = threadIdx.x; c < hidden; c += blockDim.x) {
    const float shift = bias == nullptr ? 0.0f : ToFloat(bias[c]);
    row_x[c] =
        FromFloat<T>((ToFloat(row_residual[c]) - mean) * inverse_std * ToFloat(weight[c]) + shift);
  }
}

}  // namespace

absl::Status FusedAddLayerNorm(void* x, void* residual, const void* weight, const void* bias,
                               int64_t rows, int64_t hidden, float eps, DType dtype,
                               cudaStream_t stream) {
  if (x == nullptr || residual == nullptr || weight == nullptr) {
    return absl::InvalidArgumentError("FusedAddLayerNorm: null pointer");
  }
  if (rows < 0 || hidden < 0 || rows > 0x7fffffff || !(eps > 0.0f)) {
    return absl::InvalidArgumentError("FusedAddLayerNorm: bad shape or eps");
  }
  if (rows == 0 || hidden == 0) return absl::OkStatus();
  const int threads = static_cast<int>(std::min<int64_t>(1024, (hidden + 31) / 32 * 32));
  return DispatchDType(dtype, [&]<typename T>() {
    FusedAddLayerNormKernel<T><<<static_cast<unsigned>(rows), threads, 0, stream>>>(
        static_cast<T*>(x), static_cast<T*>(residual), static_cast<const T*>(weight),
        static_cast<const T*>(bias), hidden, eps);
    return LaunchStatus("FusedAddLayerNormKernel");
  });
}

}  // namespace llm::kernels
