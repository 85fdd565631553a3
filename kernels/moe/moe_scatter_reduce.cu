#include <algorithm>

#include "kernels/common/cuda_status.h"
#include "kernels/common/element.cuh"
#include "kernels/moe/moe_scatter_reduce.h"

namespace llm::kernels {
namespace {

// One block per token: its k positions and weights go to shared memory once, then
// threads stride over the row, each summing its column over the k slots in order. Every
// output element is written exactly once, by one thread, so the sum order is fixed.
template <typename T>
__global__ void MoeScatterReduceKernel(const T* __restrict__ expert_out,
                                       const int32_t* __restrict__ assignment_positions,
                                       const float* __restrict__ weights, T* __restrict__ out,
                                       int64_t assignments, int k, int64_t hidden) {
  __shared__ int32_t slot_rows[kMoeMaxTopK];
  __shared__ float slot_weights[kMoeMaxTopK];
  const int64_t token = blockIdx.x;
  for (int s = threadIdx.x; s < k; s += blockDim.x) {
    const int32_t position = assignment_positions[token * k + s];
    slot_rows[s] = position >= 0 && position < assignments ? position : -1;
    slot_weights[s] = weights[token * k + s];
  }
  __syncthreads();
  T* row_out = out + token * hidden;
  for (int64_t c = threadIdx.x; c < hidden; c += blockDim.x) {
    float sum = 0.0f;
    for (int s = 0; s < k; ++s) {
      if (slot_rows[s] < 0) continue;
      sum += slot_weights[s] * ToFloat(expert_out[slot_rows[s] * hidden + c]);
    }
    row_out[c] = FromFloat<T>(sum);
  }
}

}  // namespace

absl::Status MoeScatterReduce(const void* expert_out, const int32_t* assignment_positions,
                              const float* weights, void* out, int64_t tokens, int64_t k,
                              int64_t hidden, DType dtype, cudaStream_t stream) {
  if (expert_out == nullptr || assignment_positions == nullptr || weights == nullptr ||
      out == nullptr) {
    return absl::InvalidArgumentError("MoeScatterReduce: null pointer");
  }
  if (tokens < 0 || hidden < 0 || k < 1 || k > kMoeMaxTopK) {
    return absl::InvalidArgumentError("MoeScatterReduce: bad shape");
  }
  if (tokens > 0x7fffffff / k) {
    return absl::InvalidArgumentError("MoeScatterReduce: tokens * k must fit in int32");
  }
  if (tokens == 0 || hidden == 0) return absl::OkStatus();
  const int threads = static_cast<int>(std::min<int64_t>(1024, (hidden + 31) / 32 * 32));
  return DispatchDType(dtype, [&]<typename T>() {
    MoeScatterReduceKernel<T><<<static_cast<unsigned>(tokens), threads, 0, stream>>>(
        static_cast<const T*>(expert_out), assignment_positions, weights, static_cast<T*>(out),
        tokens * k, static_cast<int>(k), hidden);
    return LaunchStatus("MoeScatterReduceKernel");
  });
}

}  // namespace llm::kernels
