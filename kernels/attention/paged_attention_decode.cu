#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>

#include "kernels/attention/paged_attention_decode.h"
#include "kernels/common/cuda_status.h"
#include "kernels/common/element.cuh"
#include "kernels/common/launch.cuh"

namespace llm::kernels {
namespace {

constexpr int kWarps = 4;
constexpr int kThreads = kWarps * 32;
constexpr int kVector = 8;    // Elements per lane per row: 16 bytes in bf16 or f16.
constexpr int kMaxGroup = 4;  // Query heads of one kv head a thread block serves, at most.
constexpr int kTile = 64;     // Positions a split takes at a time.
constexpr int kUnroll = 4;    // Positions per lane group in flight.
constexpr int kMaxSplits = 16;
constexpr int kMaxHeadDim = 32 * kVector;

// A lane's eight elements of a row as loaded: kept packed until used, so that more
// positions' loads fit in registers at once.
template <typename T>
struct Packed {
  static constexpr int kWords = sizeof(T) * kVector / sizeof(uint4);
  uint4 words[kWords];

  __device__ __forceinline__ void Load(const T* from) {
#pragma unroll
    for (int i = 0; i < kWords; ++i) words[i] = reinterpret_cast<const uint4*>(from)[i];
  }
  __device__ __forceinline__ void Clear() {
#pragma unroll
    for (int i = 0; i < kWords; ++i) words[i] = make_uint4(0, 0, 0, 0);
  }
  __device__ __forceinline__ void Unpack(float (&to)[kVector]) const {
    const T* values = reinterpret_cast<const T*>(words);
#pragma unroll
    for (int i = 0; i < kVector; ++i) to[i] = ToFloat(values[i]);
  }
};

// exp(x - max) where x = -inf means "nothing": 0 rather than NaN when max is -inf too.
__device__ __forceinline__ float Weight(float x, float max) {
  return x == -INFINITY ? 0.0f : __expf(x - max);
}

// Query heads a thread block serves for `group_size` heads per kv head.
int HeadsPerBlock(int64_t group_size) { return group_size >= 4 ? 4 : static_cast<int>(group_size); }

// Layout of a row: lane group `g` of kLanes lanes reads one position's row, lane `sub`
// its elements sub·8 .. sub·8 + 7 (lanes past head_dim / 8 idle); a warp reads 32 / kLanes
// positions at once, kUnroll times over before using them. Each lane keeps a running
// softmax (max m, sum l, weighted values acc) per query head over the positions its group
// read; the groups, then the warps, are merged at the end. Grid: (kv heads × head tiles of
// kHeads, sequences, splits); split z takes the tiles z, z + splits, ... of the sequence's
// positions and, when there are several splits, leaves its (m, l, acc) in `partials` for
// CombineSplitsKernel.
template <typename T, int kLanes, int kHeads>
__global__ void __launch_bounds__(kThreads)
    PagedAttentionDecodeKernel(const T* __restrict__ q, const T* __restrict__ key_cache,
                               const T* __restrict__ value_cache,
                               const int32_t* __restrict__ block_tables,
                               const int32_t* __restrict__ context_lens, T* __restrict__ out,
                               float* __restrict__ partials, PagedAttentionShape shape,
                               int splits) {
  WaitForPriorKernel();
  AllowNextKernel();
  constexpr int kGroups = 32 / kLanes;
  constexpr int kStep = kWarps * kGroups;  // Positions the block reads at once.
  const int head_dim = static_cast<int>(shape.head_dim);
  const int group_size = static_cast<int>(shape.heads / shape.kv_heads);
  const int head_tiles = (group_size + kHeads - 1) / kHeads;
  const int kv_head = blockIdx.x / head_tiles;
  const int first_head = kv_head * group_size + (blockIdx.x % head_tiles) * kHeads;
  const int heads_here = min(kHeads, (kv_head + 1) * group_size - first_head);
  const int64_t s = blockIdx.y;
  const int split = blockIdx.z;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int group = lane / kLanes, sub = lane % kLanes;
  const bool active = sub * kVector < head_dim;
  const int d0 = sub * kVector;

  const int64_t q_stride = shape.q_token_stride > 0 ? shape.q_token_stride : shape.heads * head_dim;
  float query[kHeads][kVector], acc[kHeads][kVector], m[kHeads], l[kHeads];
  const float scale = rsqrtf(static_cast<float>(head_dim));
#pragma unroll
  for (int i = 0; i < kHeads; ++i) {
    m[i] = -INFINITY;
    l[i] = 0.0f;
#pragma unroll
    for (int e = 0; e < kVector; ++e) query[i][e] = acc[i][e] = 0.0f;
    if (i < heads_here && active) {
      Packed<T> packed;
      packed.Load(q + s * q_stride + (first_head + i) * head_dim + d0);
      packed.Unpack(query[i]);
#pragma unroll
      for (int e = 0; e < kVector; ++e) query[i][e] *= scale;
    }
  }

  const int32_t* table = block_tables + s * shape.max_blocks;
  const int64_t end = context_lens[s];
  const int64_t begin = shape.window > 0 && end > shape.window ? end - shape.window : 0;
  // Where position p's row for this lane starts in a cache.
  auto row = [&](int64_t p) {
    const int64_t block = table[p / shape.block_tokens];
    return ((block * shape.kv_heads + kv_head) * shape.block_tokens + p % shape.block_tokens) *
               head_dim +
           d0;
  };
  for (int64_t tile = begin + static_cast<int64_t>(split) * kTile; tile < end;
       tile += static_cast<int64_t>(splits) * kTile) {
    const int64_t tile_end = min(tile + kTile, end);
    // Warp-uniform trip count: every lane takes part in the score shuffles.
    for (int64_t base = tile + warp * kGroups; base < tile_end; base += kStep * kUnroll) {
      Packed<T> keys[kUnroll], values[kUnroll];
      bool valid[kUnroll];
#pragma unroll
      for (int u = 0; u < kUnroll; ++u) {
        const int64_t p = base + u * kStep + group;
        valid[u] = p < tile_end;
        if (valid[u] && active) {
          const int64_t at = row(p);
          keys[u].Load(key_cache + at);
          values[u].Load(value_cache + at);
        } else {
          keys[u].Clear();
          values[u].Clear();
        }
      }
      // Scores, one per head and position, summed over the group's lanes.
      float score[kHeads][kUnroll];
#pragma unroll
      for (int u = 0; u < kUnroll; ++u) {
        float key[kVector];
        keys[u].Unpack(key);
#pragma unroll
        for (int i = 0; i < kHeads; ++i) {
          float dot = 0.0f;
#pragma unroll
          for (int e = 0; e < kVector; ++e) dot += query[i][e] * key[e];
#pragma unroll
          for (int offset = kLanes / 2; offset > 0; offset /= 2) {
            dot += __shfl_xor_sync(0xffffffffu, dot, offset);
          }
          score[i][u] = valid[u] ? dot : -INFINITY;
        }
      }
      // The online softmax: rescale what came before to the new maximum, then add.
      float weight[kHeads][kUnroll];
#pragma unroll
      for (int i = 0; i < kHeads; ++i) {
        float new_max = m[i];
#pragma unroll
        for (int u = 0; u < kUnroll; ++u) new_max = fmaxf(new_max, score[i][u]);
        const float rescale = Weight(m[i], new_max);  // 0 while nothing came before.
        l[i] *= rescale;
#pragma unroll
        for (int u = 0; u < kUnroll; ++u) {
          weight[i][u] = Weight(score[i][u], new_max);
          l[i] += weight[i][u];
        }
#pragma unroll
        for (int e = 0; e < kVector; ++e) acc[i][e] *= rescale;
        m[i] = new_max;
      }
#pragma unroll
      for (int u = 0; u < kUnroll; ++u) {
        float value[kVector];
        values[u].Unpack(value);
#pragma unroll
        for (int i = 0; i < kHeads; ++i) {
#pragma unroll
          for (int e = 0; e < kVector; ++e) acc[i][e] += weight[i][u] * value[e];
        }
      }
    }
  }

  // Merge the lane groups of each warp (lanes with the same `sub` hold the same elements).
#pragma unroll
  for (int offset = kLanes; offset < 32; offset *= 2) {
#pragma unroll
    for (int i = 0; i < kHeads; ++i) {
      const float other_m = __shfl_xor_sync(0xffffffffu, m[i], offset);
      const float other_l = __shfl_xor_sync(0xffffffffu, l[i], offset);
      const float new_max = fmaxf(m[i], other_m);
      const float mine = Weight(m[i], new_max), theirs = Weight(other_m, new_max);
      l[i] = l[i] * mine + other_l * theirs;
#pragma unroll
      for (int e = 0; e < kVector; ++e) {
        acc[i][e] = acc[i][e] * mine + __shfl_xor_sync(0xffffffffu, acc[i][e], offset) * theirs;
      }
      m[i] = new_max;
    }
  }
  // Then the warps, through shared memory: each warp's first group writes its state.
  __shared__ float warp_acc[kWarps][kHeads][kMaxHeadDim];
  __shared__ float warp_m[kWarps][kHeads], warp_l[kWarps][kHeads];
  if (group == 0) {
#pragma unroll
    for (int i = 0; i < kHeads; ++i) {
      if (active) {
#pragma unroll
        for (int e = 0; e < kVector; ++e) warp_acc[warp][i][d0 + e] = acc[i][e];
      }
      if (sub == 0) {
        warp_m[warp][i] = m[i];
        warp_l[warp][i] = l[i];
      }
    }
  }
  __syncthreads();
  for (int index = threadIdx.x; index < heads_here * head_dim; index += kThreads) {
    const int i = index / head_dim, d = index % head_dim;
    float max = -INFINITY;
    for (int w = 0; w < kWarps; ++w) max = fmaxf(max, warp_m[w][i]);
    float sum = 0.0f, value = 0.0f;
    for (int w = 0; w < kWarps; ++w) {
      const float weight = Weight(warp_m[w][i], max);
      sum += warp_l[w][i] * weight;
      value += warp_acc[w][i][d] * weight;
    }
    const int64_t h = first_head + i;
    if (splits == 1) {
      out[(s * shape.heads + h) * head_dim + d] = FromFloat<T>(sum > 0.0f ? value / sum : 0.0f);
    } else {
      // partials: acc [sequences, heads, splits, head_dim], then (m, l) [sequences, heads,
      // splits, 2].
      const int64_t slot = (s * shape.heads + h) * splits + split;
      partials[slot * head_dim + d] = value;
      if (d == 0) {
        float* stats = partials + shape.sequences * shape.heads * splits * head_dim;
        stats[2 * slot] = max;
        stats[2 * slot + 1] = sum;
      }
    }
  }
}

// Grid: (heads, sequences); a thread per element of the head's output row.
template <typename T>
__global__ void CombineSplitsKernel(const float* __restrict__ partials, T* __restrict__ out,
                                    PagedAttentionShape shape, int splits) {
  WaitForPriorKernel();
  AllowNextKernel();
  const int64_t h = blockIdx.x, s = blockIdx.y;
  const int64_t first = (s * shape.heads + h) * splits;
  const float* stats = partials + shape.sequences * shape.heads * splits * shape.head_dim;
  float max = -INFINITY;
  for (int z = 0; z < splits; ++z) max = fmaxf(max, stats[2 * (first + z)]);
  for (int64_t d = threadIdx.x; d < shape.head_dim; d += blockDim.x) {
    float sum = 0.0f, value = 0.0f;
    for (int z = 0; z < splits; ++z) {
      const float weight = Weight(stats[2 * (first + z)], max);
      sum += stats[2 * (first + z) + 1] * weight;
      value += partials[(first + z) * shape.head_dim + d] * weight;
    }
    out[(s * shape.heads + h) * shape.head_dim + d] = FromFloat<T>(sum > 0.0f ? value / sum : 0.0f);
  }
}

int HeadTiles(const PagedAttentionShape& shape) {
  const int64_t group_size = shape.heads / shape.kv_heads;
  return static_cast<int>((group_size + HeadsPerBlock(group_size) - 1) / HeadsPerBlock(group_size));
}

int Multiprocessors() {
  static const int count = [] {
    int device = 0, sms = 0;
    if (cudaGetDevice(&device) != cudaSuccess ||
        cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device) != cudaSuccess) {
      return 1;
    }
    return sms;
  }();
  return count;
}

bool ValidShape(const PagedAttentionShape& shape) {
  return shape.sequences >= 0 && shape.sequences <= 65535 && shape.kv_heads > 0 &&
         shape.heads > 0 && shape.heads % shape.kv_heads == 0 &&
         shape.kv_heads * HeadTiles(shape) <= 0x7fffffff && shape.head_dim > 0 &&
         shape.head_dim % kVector == 0 && shape.head_dim <= kMaxHeadDim && shape.block_tokens > 0 &&
         shape.max_blocks > 0 && shape.window >= 0 && shape.splits >= 0 &&
         shape.splits <= kMaxSplits && shape.q_token_stride >= 0 &&
         shape.q_token_stride % kVector == 0 &&
         (shape.q_token_stride == 0 || shape.q_token_stride >= shape.heads * shape.head_dim);
}

}  // namespace

int64_t PagedAttentionDecodeSplits(const PagedAttentionShape& shape) {
  if (shape.splits > 0) return shape.splits;
  // Enough thread blocks for two per multiprocessor, never more splits than the widest
  // block table has tiles.
  const int64_t blocks = std::max<int64_t>(1, shape.sequences * shape.kv_heads * HeadTiles(shape));
  const int64_t tiles = (shape.max_blocks * shape.block_tokens + kTile - 1) / kTile;
  const int64_t wanted = (2 * Multiprocessors() + blocks - 1) / blocks;
  return std::clamp<int64_t>(std::min(wanted, tiles), 1, kMaxSplits);
}

size_t PagedAttentionDecodeWorkspace(const PagedAttentionShape& shape) {
  if (!ValidShape(shape)) return 0;
  const int64_t splits = PagedAttentionDecodeSplits(shape);
  if (splits == 1) return 0;
  return static_cast<size_t>(shape.sequences * shape.heads * splits * (shape.head_dim + 2)) *
         sizeof(float);
}

absl::Status PagedAttentionDecode(const void* q, const void* key_cache, const void* value_cache,
                                  const int32_t* block_tables, const int32_t* context_lens,
                                  void* out, const PagedAttentionShape& shape, DType dtype,
                                  void* workspace, cudaStream_t stream) {
  if (q == nullptr || key_cache == nullptr || value_cache == nullptr || block_tables == nullptr ||
      context_lens == nullptr || out == nullptr) {
    return absl::InvalidArgumentError("PagedAttentionDecode: null pointer");
  }
  if (!ValidShape(shape)) {
    return absl::InvalidArgumentError(
        "PagedAttentionDecode: bad shape (head_dim a multiple of 8 up to 256, heads a multiple "
        "of kv_heads, splits up to 16, q_token_stride a multiple of 8 covering a row)");
  }
  if (shape.sequences == 0) return absl::OkStatus();
  const int splits = static_cast<int>(PagedAttentionDecodeSplits(shape));
  if (splits > 1 && workspace == nullptr) {
    return absl::InvalidArgumentError(
        "PagedAttentionDecode: several splits need PagedAttentionDecodeWorkspace bytes");
  }
  const dim3 grid(static_cast<unsigned>(shape.kv_heads * HeadTiles(shape)),
                  static_cast<unsigned>(shape.sequences), static_cast<unsigned>(splits));
  float* partials = static_cast<float*>(workspace);
  const int64_t chunks = shape.head_dim / kVector;
  return DispatchDType(dtype, [&]<typename T>() {
    auto args = [&](auto kernel) {
      return LaunchKernel("PagedAttentionDecodeKernel", kernel, grid, kThreads, 0, stream,
                          static_cast<const T*>(q), static_cast<const T*>(key_cache),
                          static_cast<const T*>(value_cache), block_tables, context_lens,
                          static_cast<T*>(out), partials, shape, splits);
    };
    // Lanes per row: the smallest of 8, 16 and 32 that covers head_dim / 8; query heads
    // per block: 1, 2 or 4.
    auto for_heads = [&]<int kLanes>() {
      switch (HeadsPerBlock(shape.heads / shape.kv_heads)) {
        case 1:
          return args(PagedAttentionDecodeKernel<T, kLanes, 1>);
        case 2:
          return args(PagedAttentionDecodeKernel<T, kLanes, 2>);
        default:
          return args(PagedAttentionDecodeKernel<T, kLanes, kMaxGroup>);
      }
    };
    absl::Status launched = chunks <= 8    ? for_heads.template operator()<8>()
                            : chunks <= 16 ? for_heads.template operator()<16>()
                                           : for_heads.template operator()<32>();
    if (!launched.ok() || splits == 1) return launched;
    return LaunchKernel(
        "CombineSplitsKernel", CombineSplitsKernel<T>,
        dim3(static_cast<unsigned>(shape.heads), static_cast<unsigned>(shape.sequences)), 128, 0,
        stream, partials, static_cast<T*>(out), shape, splits);
  });
}

}  // namespace llm::kernels
