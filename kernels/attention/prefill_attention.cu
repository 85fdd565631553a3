#include <cmath>

#include "kernels/attention/prefill_attention.h"
#include "kernels/common/cuda_status.h"
#include "kernels/common/element.cuh"

namespace llm::kernels {
namespace {

// A thread block takes kRows query rows of one sequence and one kv head. The rows are
// (token, head of the group) pairs, token-major, so a group's query heads share every key
// and value tile staged in shared memory and a block's rows span few tokens (few keys).
constexpr int kWarps = 4;
constexpr int kThreads = 32 * kWarps;
constexpr int kRowsPerWarp = 8;  // Each warp keeps 8 rows' running softmax and output.
constexpr int kRows = kWarps * kRowsPerWarp;
constexpr int kKeys = 32;  // Keys per tile: lane j scores key j for the warp's rows.
// Keys' rows in shared memory are padded so that the lanes' float4 reads of one dimension
// (a key per lane) fall in different banks.
constexpr int kKeyPad = 4;

// Shared memory in floats: the scaled queries [kRows, head_dim], a tile of keys [kKeys,
// head_dim + kKeyPad] and of values [kKeys, head_dim], and each warp's softmax weights
// [kWarps, kRowsPerWarp, kKeys]. 100.5 KiB at head_dim 256, 52.5 KiB at 128.
int64_t SharedFloats(int64_t head_dim) {
  return kRows * head_dim + kKeys * (head_dim + kKeyPad) + kKeys * head_dim + kRows * kKeys;
}

// dst[0 .. 16 / sizeof(T)) = scale * the 16 bytes of elements at src (both 16-byte aligned).
template <typename T>
__device__ __forceinline__ void Load16(const T* src, float* dst, float scale) {
  constexpr int kCount = 16 / sizeof(T);
  const uint4 raw = *reinterpret_cast<const uint4*>(src);
  const T* x = reinterpret_cast<const T*>(&raw);
#pragma unroll
  for (int i = 0; i < kCount; i += 4) {
    *reinterpret_cast<float4*>(dst + i) =
        make_float4(scale * ToFloat(x[i]), scale * ToFloat(x[i + 1]), scale * ToFloat(x[i + 2]),
                    scale * ToFloat(x[i + 3]));
  }
}

template <typename T>
__device__ __forceinline__ void Zero16(float* dst) {
#pragma unroll
  for (int i = 0; i < static_cast<int>(16 / sizeof(T)); i += 4) {
    *reinterpret_cast<float4*>(dst + i) = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
  }
}

__device__ __forceinline__ float WarpMax(float x) {
#pragma unroll
  for (int offset = 16; offset > 0; offset /= 2) {
    x = fmaxf(x, __shfl_xor_sync(0xffffffff, x, offset));
  }
  return x;
}

__device__ __forceinline__ float WarpSum(float x) {
#pragma unroll
  for (int offset = 16; offset > 0; offset /= 2) x += __shfl_xor_sync(0xffffffff, x, offset);
  return x;
}

// Grid: (query row tiles of the longest sequence, kv heads, sequences). Lane l of a warp
// owns output dimensions l, l + 32, ... (kDimsPerLane of them, head_dim <= 32 *
// kDimsPerLane) of the warp's kRowsPerWarp rows.
template <typename T, int kDimsPerLane>
__global__ void __launch_bounds__(kThreads)
    PrefillAttentionKernel(const T* __restrict__ q, const T* __restrict__ key_cache,
                           const T* __restrict__ value_cache,
                           const int32_t* __restrict__ block_tables,
                           const int32_t* __restrict__ q_starts,
                           const int32_t* __restrict__ context_lens, T* __restrict__ out,
                           PrefillAttentionShape shape) {
  const int64_t s = blockIdx.z, kv_head = blockIdx.y;
  const int64_t group = shape.heads / shape.kv_heads;
  const int64_t q_start = q_starts[s];
  const int64_t q_len = q_starts[s + 1] - q_start;
  // Row m is token m / group, query head kv_head * group + m % group.
  const int64_t rows = q_len * group;
  const int64_t row0 = static_cast<int64_t>(blockIdx.x) * kRows;
  if (row0 >= rows) return;  // The grid covers the longest sequence; this one is shorter.
  const int64_t first_position = context_lens[s] - q_len;  // Token t is at first_position + t.

  const int64_t d_count = shape.head_dim;
  const int64_t key_stride = d_count + kKeyPad;
  extern __shared__ float4 shared_vec[];  // float4 for the alignment of the vector accesses.
  float* queries = reinterpret_cast<float*>(shared_vec);
  float* keys = queries + kRows * d_count;
  float* values = keys + kKeys * key_stride;
  float* weights = values + kKeys * d_count;

  // Where query row m lies in q and out, and where position p's kv_head row lies in a cache.
  const int64_t out_stride = shape.heads * d_count;
  const int64_t q_stride = shape.q_token_stride > 0 ? shape.q_token_stride : out_stride;
  auto q_row = [&](int64_t m) {
    return (q_start + m / group) * q_stride + (kv_head * group + m % group) * d_count;
  };
  auto out_row = [&](int64_t m) {
    return (q_start + m / group) * out_stride + (kv_head * group + m % group) * d_count;
  };
  const int32_t* table = block_tables + s * shape.max_blocks;
  auto cache_row = [&](int64_t p) {
    const int64_t block = table[p / shape.block_tokens];
    return ((block * shape.kv_heads + kv_head) * shape.block_tokens + p % shape.block_tokens) *
           d_count;
  };

  // Stage the block's queries, scaled by 1/√head_dim; rows past the sequence are zeros.
  constexpr int kVec = 16 / sizeof(T);
  const int64_t vecs_per_row = d_count / kVec;
  const float scale = rsqrtf(static_cast<float>(d_count));
  for (int64_t i = threadIdx.x; i < kRows * vecs_per_row; i += kThreads) {
    const int64_t r = i / vecs_per_row, d = i % vecs_per_row * kVec;
    float* dst = queries + r * d_count + d;
    if (row0 + r < rows) {
      Load16(q + q_row(row0 + r) + d, dst, scale);
    } else {
      Zero16<T>(dst);
    }
  }

  // Keys the block needs: from the first token's window start to the last token's position.
  const int64_t last_row = min(row0 + kRows, rows) - 1;
  const int64_t end = first_position + last_row / group + 1;
  const int64_t begin =
      shape.window > 0 ? max(int64_t{0}, first_position + row0 / group - shape.window + 1) : 0;

  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int64_t warp_row0 = row0 + warp * kRowsPerWarp;
  const float* warp_queries = queries + warp * kRowsPerWarp * d_count;
  float* warp_weights = weights + warp * kRowsPerWarp * kKeys;
  // Each row's position; rows past the sequence get -1, which sees no key.
  int position[kRowsPerWarp];
  // The running softmax: the largest score so far, this lane's share of Σ exp(score − max)
  // (the lanes' shares add up at the end) and this lane's dimensions of Σ exp(score − max)·v.
  float running_max[kRowsPerWarp], running_sum[kRowsPerWarp], acc[kRowsPerWarp][kDimsPerLane];
#pragma unroll
  for (int r = 0; r < kRowsPerWarp; ++r) {
    const int64_t m = warp_row0 + r;
    position[r] = m < rows ? static_cast<int>(first_position + m / group) : -1;
    running_max[r] = -INFINITY;
    running_sum[r] = 0.0f;
#pragma unroll
    for (int i = 0; i < kDimsPerLane; ++i) acc[r][i] = 0.0f;
  }

  for (int64_t tile = begin; tile < end; tile += kKeys) {
    __syncthreads();  // The previous tile's keys, values and weights are no longer read.
    // Stage keys and values of positions tile .. tile + kKeys - 1; zeros past `end`, so
    // that their zero weights never meet a NaN.
    for (int64_t i = threadIdx.x; i < kKeys * vecs_per_row; i += kThreads) {
      const int64_t j = i / vecs_per_row, d = i % vecs_per_row * kVec;
      float* key = keys + j * key_stride + d;
      float* value = values + j * d_count + d;
      if (tile + j < end) {
        const int64_t at = cache_row(tile + j) + d;
        Load16(key_cache + at, key, 1.0f);
        Load16(value_cache + at, value, 1.0f);
      } else {
        Zero16<T>(key);
        Zero16<T>(value);
      }
    }
    __syncthreads();  // The tile (and, the first time, the queries) is staged.

    // Scores: lane j takes key tile + j against each of the warp's rows.
    float score[kRowsPerWarp];
#pragma unroll
    for (int r = 0; r < kRowsPerWarp; ++r) score[r] = 0.0f;
    const float* key = keys + lane * key_stride;
    for (int64_t d = 0; d < d_count; d += 4) {
      const float4 k = *reinterpret_cast<const float4*>(key + d);
#pragma unroll
      for (int r = 0; r < kRowsPerWarp; ++r) {
        const float4 x = *reinterpret_cast<const float4*>(warp_queries + r * d_count + d);
        score[r] = fmaf(x.x, k.x, fmaf(x.y, k.y, fmaf(x.z, k.z, fmaf(x.w, k.w, score[r]))));
      }
    }

    // Online softmax: fold the tile into each row's running max, sum and output.
    const int64_t p = tile + lane;
#pragma unroll
    for (int r = 0; r < kRowsPerWarp; ++r) {
      const bool visible =
          p <= position[r] && (shape.window == 0 || p > position[r] - shape.window);
      const float x = visible ? score[r] : -INFINITY;
      const float new_max = fmaxf(running_max[r], WarpMax(x));
      // A row that has seen no key yet has nothing to rescale (and −∞ − −∞ is NaN).
      const float rescale = new_max == -INFINITY ? 1.0f : __expf(running_max[r] - new_max);
      const float weight = visible ? __expf(x - new_max) : 0.0f;
      running_max[r] = new_max;
      running_sum[r] = running_sum[r] * rescale + weight;
#pragma unroll
      for (int i = 0; i < kDimsPerLane; ++i) acc[r][i] *= rescale;
      warp_weights[r * kKeys + lane] = weight;
    }
    __syncwarp();  // Every lane's weights are visible to the warp.

    // acc[r][i] += Σ_j weight[r][j] · value[j][lane + 32 i], four keys at a time.
    for (int j = 0; j < kKeys; j += 4) {
      float4 w[kRowsPerWarp];
#pragma unroll
      for (int r = 0; r < kRowsPerWarp; ++r) {
        w[r] = *reinterpret_cast<const float4*>(warp_weights + r * kKeys + j);
      }
#pragma unroll
      for (int i = 0; i < kDimsPerLane; ++i) {
        const int64_t d = lane + 32 * i;
        if (d >= d_count) continue;
        const float* v = values + j * d_count + d;
        const float v0 = v[0], v1 = v[d_count], v2 = v[2 * d_count], v3 = v[3 * d_count];
#pragma unroll
        for (int r = 0; r < kRowsPerWarp; ++r) {
          acc[r][i] =
              fmaf(w[r].x, v0, fmaf(w[r].y, v1, fmaf(w[r].z, v2, fmaf(w[r].w, v3, acc[r][i]))));
        }
      }
    }
    // The next tile's __syncthreads orders these reads of the weights before their rewrite.
  }

#pragma unroll
  for (int r = 0; r < kRowsPerWarp; ++r) {
    const int64_t m = warp_row0 + r;
    if (m >= rows) continue;  // The same for the whole warp: WarpSum's shuffles stay whole.
    const float total = WarpSum(running_sum[r]);
    T* dst = out + out_row(m);
#pragma unroll
    for (int i = 0; i < kDimsPerLane; ++i) {
      const int64_t d = lane + 32 * i;
      if (d < d_count) dst[d] = FromFloat<T>(total > 0.0f ? acc[r][i] / total : 0.0f);
    }
  }
}

template <typename T, int kDimsPerLane>
absl::Status Launch(const void* q, const void* key_cache, const void* value_cache,
                    const int32_t* block_tables, const int32_t* q_starts,
                    const int32_t* context_lens, void* out, const PrefillAttentionShape& shape,
                    cudaStream_t stream) {
  const int64_t group = shape.heads / shape.kv_heads;
  const dim3 grid(static_cast<unsigned>((shape.max_q_len * group + kRows - 1) / kRows),
                  static_cast<unsigned>(shape.kv_heads), static_cast<unsigned>(shape.sequences));
  const size_t shared = SharedFloats(shape.head_dim) * sizeof(float);
  // Above 48 KiB (head_dim 120 and up) dynamic shared memory needs this opt-in, which holds
  // per device: set on every launch, so any current device has it.
  absl::Status status = CudaStatus(
      cudaFuncSetAttribute(PrefillAttentionKernel<T, kDimsPerLane>,
                           cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(shared)),
      "PrefillAttentionKernel: cudaFuncSetAttribute");
  if (!status.ok()) return status;
  PrefillAttentionKernel<T, kDimsPerLane><<<grid, kThreads, shared, stream>>>(
      static_cast<const T*>(q), static_cast<const T*>(key_cache),
      static_cast<const T*>(value_cache), block_tables, q_starts, context_lens,
      static_cast<T*>(out), shape);
  return LaunchStatus("PrefillAttentionKernel");
}

}  // namespace

absl::Status PrefillAttention(const void* q, const void* key_cache, const void* value_cache,
                              const int32_t* block_tables, const int32_t* q_starts,
                              const int32_t* context_lens, void* out,
                              const PrefillAttentionShape& shape, DType dtype,
                              cudaStream_t stream) {
  if (q == nullptr || key_cache == nullptr || value_cache == nullptr || block_tables == nullptr ||
      q_starts == nullptr || context_lens == nullptr || out == nullptr) {
    return absl::InvalidArgumentError("PrefillAttention: null pointer");
  }
  if (shape.sequences < 0 || shape.sequences > 65535 || shape.heads <= 0 ||
      shape.heads > 0x7fffffff || shape.kv_heads <= 0 || shape.kv_heads > 65535 ||
      shape.heads % shape.kv_heads != 0 || shape.block_tokens <= 0 || shape.max_blocks <= 0 ||
      shape.max_q_len < 0 || shape.max_q_len > 0x7fffffff || shape.window < 0 ||
      shape.q_token_stride < 0 || shape.q_token_stride % 8 != 0 ||
      (shape.q_token_stride > 0 && shape.q_token_stride < shape.heads * shape.head_dim)) {
    return absl::InvalidArgumentError("PrefillAttention: bad shape");
  }
  // Multiples of 8: every row is whole 16-byte vectors in each dtype.
  if (shape.head_dim <= 0 || shape.head_dim > 256 || shape.head_dim % 8 != 0) {
    return absl::InvalidArgumentError(
        "PrefillAttention: head_dim must be a multiple of 8 up to 256");
  }
  const int64_t group = shape.heads / shape.kv_heads;
  if ((shape.max_q_len * group + kRows - 1) / kRows > 0x7fffffff) {
    return absl::InvalidArgumentError("PrefillAttention: too many query rows");
  }
  if (shape.sequences == 0 || shape.max_q_len == 0) return absl::OkStatus();
  return DispatchDType(dtype, [&]<typename T>() {
    if (shape.head_dim <= 64) {
      return Launch<T, 2>(q, key_cache, value_cache, block_tables, q_starts, context_lens, out,
                          shape, stream);
    }
    if (shape.head_dim <= 128) {
      return Launch<T, 4>(q, key_cache, value_cache, block_tables, q_starts, context_lens, out,
                          shape, stream);
    }
    return Launch<T, 8>(q, key_cache, value_cache, block_tables, q_starts, context_lens, out, shape,
                        stream);
  });
}

}  // namespace llm::kernels
