#include <cmath>

#include "kernels/attention/paged_attention_decode.h"
#include "kernels/common/block_reduce.cuh"
#include "kernels/common/cuda_status.h"
#include "kernels/common/element.cuh"

namespace llm::kernels {
namespace {

constexpr int kThreads = 128;  // Positions scored at once, one per thread.

// Grid: (heads, sequences). Shared memory: the scaled query, the output accumulator
// (head_dim floats each) and the chunk's softmax weights (kThreads floats).
template <typename T>
__global__ void PagedAttentionDecodeKernel(const T* __restrict__ q, const T* __restrict__ key_cache,
                                           const T* __restrict__ value_cache,
                                           const int32_t* __restrict__ block_tables,
                                           const int32_t* __restrict__ context_lens,
                                           T* __restrict__ out, PagedAttentionShape shape) {
  extern __shared__ float shared[];
  const int64_t d_count = shape.head_dim;
  float* query = shared;
  float* acc = shared + d_count;
  float* weights = acc + d_count;
  const int64_t h = blockIdx.x, s = blockIdx.y;
  const int64_t kv_head = h / (shape.heads / shape.kv_heads);
  const int32_t* table = block_tables + s * shape.max_blocks;
  const int64_t end = context_lens[s];
  const int64_t begin = shape.window > 0 && end > shape.window ? end - shape.window : 0;
  const float scale = rsqrtf(static_cast<float>(d_count));
  for (int64_t d = threadIdx.x; d < d_count; d += blockDim.x) {
    query[d] = ToFloat(q[(s * shape.heads + h) * d_count + d]) * scale;
    acc[d] = 0.0f;
  }
  __syncthreads();

  // Where position p's kv_head row lies in a cache.
  auto row = [&](int64_t p) {
    const int64_t block = table[p / shape.block_tokens];
    return ((block * shape.kv_heads + kv_head) * shape.block_tokens + p % shape.block_tokens) *
           d_count;
  };
  float running_max = -INFINITY, running_sum = 0.0f;
  for (int64_t chunk = begin; chunk < end; chunk += kThreads) {
    const int64_t p = chunk + threadIdx.x;
    float score = -INFINITY;
    if (p < end) {
      const T* key = key_cache + row(p);
      score = 0.0f;
      for (int64_t d = 0; d < d_count; ++d) score += query[d] * ToFloat(key[d]);
    }
    const float new_max = fmaxf(running_max, BlockMax(score));
    const float weight = p < end ? __expf(score - new_max) : 0.0f;
    weights[threadIdx.x] = weight;
    const float rescale = __expf(running_max - new_max);  // 0 on the first chunk.
    running_sum = running_sum * rescale + BlockSum(weight);
    running_max = new_max;
    // BlockSum synced the block: every weight is visible.
    const int64_t count = min(static_cast<int64_t>(kThreads), end - chunk);
    for (int64_t d = threadIdx.x; d < d_count; d += blockDim.x) {
      float sum = acc[d] * rescale;
      for (int64_t j = 0; j < count; ++j) {
        sum += weights[j] * ToFloat(value_cache[row(chunk + j) + d]);
      }
      acc[d] = sum;
    }
    __syncthreads();  // weights is rewritten by the next chunk.
  }
  for (int64_t d = threadIdx.x; d < d_count; d += blockDim.x) {
    out[(s * shape.heads + h) * d_count + d] =
        FromFloat<T>(running_sum > 0.0f ? acc[d] / running_sum : 0.0f);
  }
}

}  // namespace

absl::Status PagedAttentionDecode(const void* q, const void* key_cache, const void* value_cache,
                                  const int32_t* block_tables, const int32_t* context_lens,
                                  void* out, const PagedAttentionShape& shape, DType dtype,
                                  cudaStream_t stream) {
  if (q == nullptr || key_cache == nullptr || value_cache == nullptr || block_tables == nullptr ||
      context_lens == nullptr || out == nullptr) {
    return absl::InvalidArgumentError("PagedAttentionDecode: null pointer");
  }
  if (shape.sequences < 0 || shape.sequences > 65535 || shape.heads <= 0 ||
      shape.heads > 0x7fffffff || shape.kv_heads <= 0 || shape.heads % shape.kv_heads != 0 ||
      shape.head_dim <= 0 || shape.head_dim > 1024 || shape.block_tokens <= 0 ||
      shape.max_blocks <= 0 || shape.window < 0) {
    return absl::InvalidArgumentError("PagedAttentionDecode: bad shape");
  }
  if (shape.sequences == 0) return absl::OkStatus();
  const dim3 grid(static_cast<unsigned>(shape.heads), static_cast<unsigned>(shape.sequences));
  const size_t shared = (2 * shape.head_dim + kThreads) * sizeof(float);
  return DispatchDType(dtype, [&]<typename T>() {
    PagedAttentionDecodeKernel<T><<<grid, kThreads, shared, stream>>>(
        static_cast<const T*>(q), static_cast<const T*>(key_cache),
        static_cast<const T*>(value_cache), block_tables, context_lens, static_cast<T*>(out),
        shape);
    return LaunchStatus("PagedAttentionDecodeKernel");
  });
}

}  // namespace llm::kernels
