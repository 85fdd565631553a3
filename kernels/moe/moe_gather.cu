#include <algorithm>

#include "kernels/common/cuda_status.h"
#include "kernels/common/element.cuh"
#include "kernels/moe/moe_gather.h"

namespace llm::kernels {
namespace {

// One block per output row; threads stride over the row so loads and stores coalesce.
template <typename T>
__global__ void MoeGatherKernel(const T* __restrict__ hidden_states,
                                const int32_t* __restrict__ sorted_assignments, T* __restrict__ out,
                                int64_t assignments, int k, int64_t hidden) {
  const int32_t assignment = sorted_assignments[blockIdx.x];
  const bool valid = assignment >= 0 && assignment < assignments;
  const T* row = hidden_states + (valid ? assignment / k : 0) * hidden;
  T* row_out = out + static_cast<int64_t>(blockIdx.x) * hidden;
  for (int64_t c = threadIdx.x; c < hidden; c += blockDim.x) {
    row_out[c] = valid ? row[c] : FromFloat<T>(0.0f);
  }
}

}  // namespace

absl::Status MoeGather(const void* hidden_states, const int32_t* sorted_assignments, void* out,
                       int64_t tokens, int64_t k, int64_t hidden, DType dtype,
                       cudaStream_t stream) {
  if (hidden_states == nullptr || sorted_assignments == nullptr || out == nullptr) {
    return absl::InvalidArgumentError("MoeGather: null pointer");
  }
  if (tokens < 0 || k < 1 || hidden < 0) {
    return absl::InvalidArgumentError("MoeGather: bad shape");
  }
  if (tokens > 0x7fffffff / k) {
    return absl::InvalidArgumentError("MoeGather: tokens * k must fit in int32");
  }
  if (tokens == 0 || hidden == 0) return absl::OkStatus();
  const int64_t assignments = tokens * k;
  const int threads = static_cast<int>(std::min<int64_t>(1024, (hidden + 31) / 32 * 32));
  return DispatchDType(dtype, [&]<typename T>() {
    MoeGatherKernel<T><<<static_cast<unsigned>(assignments), threads, 0, stream>>>(
        static_cast<const T*>(hidden_states), sorted_assignments, static_cast<T*>(out), assignments,
        static_cast<int>(k), hidden);
    return LaunchStatus("MoeGatherKernel");
  });
}

}  // namespace llm::kernels
