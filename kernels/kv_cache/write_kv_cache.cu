#include <algorithm>

#include "kernels/common/cuda_status.h"
#include "kernels/common/element.cuh"
#include "kernels/common/launch.cuh"
#include "kernels/kv_cache/write_kv_cache.h"

namespace llm::kernels {
namespace {

// One thread per kVec adjacent values of one token's kv head, over a flat grid: a decode
// step's few tokens still spread over the whole GPU.
template <typename T, int kVec>
__global__ void WriteKvCacheKernel(const T* __restrict__ keys, const T* __restrict__ values,
                                   const int64_t* __restrict__ slots, T* __restrict__ key_cache,
                                   T* __restrict__ value_cache, KvCacheShape shape) {
  using Vector = Packet<T, kVec>;
  WaitForPriorKernel();
  AllowNextKernel();
  const int64_t width = shape.kv_heads * shape.head_dim;  // Per token.
  const int64_t per_token = width / kVec;
  const int64_t index = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (index >= shape.tokens * per_token) return;
  const int64_t token = index / per_token, i = index % per_token * kVec;
  const int64_t slot = slots[token];
  if (slot < 0) return;
  const int64_t block = slot / shape.block_tokens, row = slot % shape.block_tokens;
  const int64_t head = i / shape.head_dim, d = i % shape.head_dim;
  const int64_t in = token * (shape.token_stride > 0 ? shape.token_stride : width) + i;
  const int64_t at =
      ((block * shape.kv_heads + head) * shape.block_tokens + row) * shape.head_dim + d;
  *reinterpret_cast<Vector*>(key_cache + at) = *reinterpret_cast<const Vector*>(keys + in);
  *reinterpret_cast<Vector*>(value_cache + at) = *reinterpret_cast<const Vector*>(values + in);
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
  constexpr int kThreads = 256;
  const int64_t threads = shape.tokens * shape.kv_heads * shape.head_dim;
  if ((threads + kThreads - 1) / kThreads > 0x7fffffff) {
    return absl::InvalidArgumentError("WriteKvCache: too many tokens for one launch");
  }
  return DispatchDType(dtype, [&]<typename T>() {
    auto launch = [&]<int kVec>() {
      const int64_t vectors = threads / kVec;
      return LaunchKernel("WriteKvCacheKernel", WriteKvCacheKernel<T, kVec>,
                          static_cast<unsigned>((vectors + kThreads - 1) / kThreads), kThreads, 0,
                          stream, static_cast<const T*>(keys), static_cast<const T*>(values), slots,
                          static_cast<T*>(key_cache), static_cast<T*>(value_cache), shape);
    };
    // 16-byte packets where a head's row (and so every row, in and out) allows them.
    const int64_t stride = shape.token_stride > 0 ? shape.token_stride : 0;
    if (FitsWidePackets<T>(shape.head_dim, {keys, values, key_cache, value_cache}) &&
        stride % kWidePacket<T> == 0) {
      return launch.template operator()<kWidePacket<T>>();
    }
    return launch.template operator()<1>();
  });
}

}  // namespace llm::kernels
