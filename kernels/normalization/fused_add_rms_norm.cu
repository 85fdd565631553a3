#include <algorithm>

#include "kernels/common/block_reduce.cuh"
#include "kernels/common/cuda_status.h"
#include "kernels/common/element.cuh"
#include "kernels/common/launch.cuh"
#include "kernels/normalization/fused_add_rms_norm.h"

namespace llm::kernels {
namespace {

// One block per row; thread i takes the row's vectors of kVec elements i, i + blockDim.x,
// ... The second pass re-reads the residual the thread itself just wrote (from L1).
template <typename T, int kVec>
__global__ void FusedAddRmsNormKernel(T* __restrict__ x, T* __restrict__ residual,
                                      const T* __restrict__ weight, int64_t hidden, float eps) {
  using Vector = Packet<T, kVec>;
  WaitForPriorKernel();
  AllowNextKernel();
  auto* row_x = reinterpret_cast<Vector*>(x + blockIdx.x * hidden);
  auto* row_residual = reinterpret_cast<Vector*>(residual + blockIdx.x * hidden);
  const auto* weights = reinterpret_cast<const Vector*>(weight);
  const int64_t vectors = hidden / kVec;
  float squares = 0.0f;
  for (int64_t i = threadIdx.x; i < vectors; i += blockDim.x) {
    const Vector a = row_x[i], b = row_residual[i];
    Vector sum;
#pragma unroll
    for (int j = 0; j < kVec; ++j) {
      sum.v[j] = FromFloat<T>(ToFloat(a.v[j]) + ToFloat(b.v[j]));
      const float value = ToFloat(sum.v[j]);
      squares += value * value;
    }
    row_residual[i] = sum;
  }
  const float inverse_rms = rsqrtf(BlockSum(squares) / static_cast<float>(hidden) + eps);
  for (int64_t i = threadIdx.x; i < vectors; i += blockDim.x) {
    const Vector r = row_residual[i], w = weights[i];
    Vector out;
#pragma unroll
    for (int j = 0; j < kVec; ++j) {
      out.v[j] = FromFloat<T>(ToFloat(r.v[j]) * inverse_rms * ToFloat(w.v[j]));
    }
    row_x[i] = out;
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
  return DispatchDType(dtype, [&]<typename T>() {
    auto launch = [&]<int kVec>() {
      const int64_t vectors = hidden / kVec;
      const int threads = static_cast<int>(std::min<int64_t>(1024, (vectors + 31) / 32 * 32));
      return LaunchKernel("FusedAddRmsNormKernel", FusedAddRmsNormKernel<T, kVec>,
                          static_cast<unsigned>(rows), threads, 0, stream, static_cast<T*>(x),
                          static_cast<T*>(residual), static_cast<const T*>(weight), hidden, eps);
    };
    // 16-byte accesses where the rows allow them; else one element each.
    if (FitsWidePackets<T>(hidden, {x, residual, weight})) {
      return launch.template operator()<kWidePacket<T>>();
    }
    return launch.template operator()<1>();
  });
}

}  // namespace llm::kernels
