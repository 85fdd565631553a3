#include <algorithm>

#include "kernels/common/cuda_status.h"
#include "kernels/common/element.cuh"
#include "kernels/embedding/embedding_gather.h"

namespace llm::kernels {
namespace {

// One block per token; threads stride over the row.
template <typename T>
__global__ void EmbeddingGatherKernel(const T* __restrict__ table, const int32_t* __restrict__ ids,
                                      T* __restrict__ out, int64_t vocab, int64_t hidden) {
  const int32_t id = ids[blockIdx.x];
  T* row_out = out + blockIdx.x * hidden;
  const bool valid = id >= 0 && id < vocab;
  const T* row = table + (valid ? id : 0) * hidden;
  for (int64_t c = threadIdx.x; c < hidden; c += blockDim.x) {
    row_out[c] = valid ? row[c] : FromFloat<T>(0.0f);
  }
}

}  // namespace

absl::Status EmbeddingGather(const void* table, const int32_t* ids, void* out, int64_t tokens,
                             int64_t vocab, int64_t hidden, DType dtype, cudaStream_t stream) {
  if (table == nullptr || ids == nullptr || out == nullptr) {
    return absl::InvalidArgumentError("EmbeddingGather: null pointer");
  }
  if (tokens < 0 || vocab <= 0 || hidden < 0 || tokens > 0x7fffffff) {
    return absl::InvalidArgumentError("EmbeddingGather: bad shape");
  }
  if (tokens == 0 || hidden == 0) return absl::OkStatus();
  const int threads = static_cast<int>(std::min<int64_t>(1024, (hidden + 31) / 32 * 32));
  return DispatchDType(dtype, [&]<typename T>() {
    EmbeddingGatherKernel<T><<<static_cast<unsigned>(tokens), threads, 0, stream>>>(
        static_cast<const T*>(table), ids, static_cast<T*>(out), vocab, hidden);
    return LaunchStatus("EmbeddingGatherKernel");
  });
}

}  // namespace llm::kernels
