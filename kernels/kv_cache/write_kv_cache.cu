#include <algorithm>

#include "kernels/common/cuda_status.h"
#include "kernels/common/element.cuh"
#include "kernels/kv_cache/write_kv_cache.h"

namespace llm::kernels {
namespace {

// One block per token; threads stride over its kv_heads × head_dim values.
template <typename T>
__global__ void WriteKvCacheKernel(const T* __restrict__ keys, const T* __restrict__ values,
                                   const int64_t* __restrict__ slots, T* __restrict__ key_cache,
                                   T* __restrict__ value_cache, KvCacheShape shape) {
  const int64_t slot = slots[blockIdx.x];
  if (slot < 0) return;
  const int64_t block = slot / shape.block_tokens, row = slot % shape.block_tokens;
  const int64_t width = shape.kv_heads * shape.head_dim;
  const int64_t in = blockIdx.x * (shape.token_stride > 0 ? shape.token_stride : width);
  for (int64_t i = threadIdx.x; i < width; i += blockDim.x) {
    const int64_t head = i / shape.head_dim, d = i % shape.head_dim;
    const int64_t at =
        ((block * shape.kv_heads + head) * shape.block_tokens + row) * shape.head_dim + d;
    key_cache[at] = keys[in + i];
    value_cache[at] = values[in + i];
  }
}

}  // namespace

absl::Status WriteKvCache(const void* keys, const void* values, const int64_t* slots,
                          void* key_cache, void* value_cache, const KvCacheShape& shape,
                          DType dtype, cudaStream_t stream) {
  if (keys == nullptr || values == nullptr || slots == nullptr || key_cache == nullptr ||
      value_cache == nullptr) {
    return absl::InvalidArgumentError("WriteKvCache: null pointer");
  }
  if (shape.tokens < 0 || shape.tokens > 0x7fffffff || shape.kv_heads <= 0 || shape.head_dim <= 0 ||
      shape.block_tokens <= 0 || shape.token_stride < 0 ||
      (shape.token_stride > 0 && shape.token_stride < shape.kv_heads * shape.head_dim)) {
    return absl::InvalidArgumentError("WriteKvCache: bad shape");
  }
  if (shape.tokens == 0) return absl::OkStatus();
  const int64_t width = shape.kv_heads * shape.head_dim;
  const int threads = static_cast<int>(std::min<int64_t>(1024, (width + 31) / 32 * 32));
  return DispatchDType(dtype, [&]<typename T>() {
    WriteKvCacheKernel<T><<<static_cast<unsigned>(shape.tokens), threads, 0, stream>>>(
        static_cast<const T*>(keys), static_cast<const T*>(values), slots,
        static_cast<T*>(key_cache), static_cast<T*>(value_cache), shape);
    return LaunchStatus("WriteKvCacheKernel");
  });
}

}  // namespace llm::kernels
