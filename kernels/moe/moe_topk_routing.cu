#include <cmath>

#include "kernels/common/cuda_status.h"
#include "kernels/moe/moe_topk_routing.h"

namespace llm::kernels {
namespace {

constexpr int kWarpsPerBlock = 4;
constexpr int kPerLane = static_cast<int>(kMoeMaxExperts / 32);
constexpr unsigned kFullMask = 0xffffffffu;

// Whether (value, id) ranks before (other, other_id): higher value first, then lower id;
// id -1 (no candidate) ranks last. Values are never NaN here, so this is a strict total
// order and every lane of a butterfly reduction ends with the same winner.
__device__ __forceinline__ bool RanksBefore(float value, int id, float other, int other_id) {
  if (id < 0) return false;
  if (other_id < 0) return true;
  return value > other || (value == other && id < other_id);
}

__device__ __forceinline__ float WarpMax(float value) {
  for (int offset = 16; offset > 0; offset /= 2) {
    value = fmaxf(value, __shfl_xor_sync(kFullMask, value, offset));
  }
  return value;
}

__device__ __forceinline__ float WarpSum(float value) {
  for (int offset = 16; offset > 0; offset /= 2) {
    value += __shfl_xor_sync(kFullMask, value, offset);
  }
  return value;
}

// One warp per token. Lane l holds experts l, l + 32, ... in registers (fully unrolled
// loops over a compile-time count keep them out of local memory), and a bitmask of the
// ones already chosen. Each of the k rounds is a warp arg-max over the unchosen experts;
// lane 0 writes the round's id and unnormalized probability, and the weights are scaled
// once the denominator (all experts, or the chosen k) is known.
__global__ void __launch_bounds__(kWarpsPerBlock * 32)
    MoeTopKRoutingKernel(const float* __restrict__ logits, int32_t* __restrict__ expert_ids,
                         float* __restrict__ weights, int64_t tokens, int experts, int k,
                         bool renormalize) {
  const int lane = threadIdx.x % 32;
  const int64_t token = static_cast<int64_t>(blockIdx.x) * kWarpsPerBlock + threadIdx.x / 32;
  if (token >= tokens) return;  // Uniform across the warp.
  const float* row = logits + token * experts;

  float values[kPerLane];
  float row_max = -INFINITY;
#pragma unroll
  for (int i = 0; i < kPerLane; ++i) {
    const int e = lane + 32 * i;
    const float logit = e < experts ? row[e] : -INFINITY;
    values[i] = isnan(logit) ? -INFINITY : logit;
    row_max = fmaxf(row_max, values[i]);
  }
  row_max = WarpMax(row_max);
  float total = 0.0f;
#pragma unroll
  for (int i = 0; i < kPerLane; ++i) {
    if (lane + 32 * i < experts) total += expf(values[i] - row_max);
  }
  total = WarpSum(total);

  int32_t* row_ids = expert_ids + token * k;
  float* row_weights = weights + token * k;
  unsigned chosen = 0;
  float chosen_total = 0.0f;
  for (int slot = 0; slot < k; ++slot) {
    float best = -INFINITY;
    int best_id = -1;
#pragma unroll
    for (int i = 0; i < kPerLane; ++i) {
      const int e = lane + 32 * i;
      if (e < experts && ((chosen >> i) & 1u) == 0 && RanksBefore(values[i], e, best, best_id)) {
        best = values[i];
        best_id = e;
      }
    }
    for (int offset = 16; offset > 0; offset /= 2) {
      const float other = __shfl_xor_sync(kFullMask, best, offset);
      const int other_id = __shfl_xor_sync(kFullMask, best_id, offset);
      if (RanksBefore(other, other_id, best, best_id)) {
        best = other;
        best_id = other_id;
      }
    }
    // k <= experts, so some expert is always left: best_id >= 0 on every lane.
    if (best_id % 32 == lane) chosen |= 1u << (best_id / 32);
    const float probability = expf(best - row_max);
    chosen_total += probability;
    if (lane == 0) {
      row_ids[slot] = best_id;
      row_weights[slot] = probability;
    }
  }
  const float denominator = renormalize ? chosen_total : total;
  __syncwarp();  // Lane 0's writes are visible to the lanes that rescale them.
  for (int slot = lane; slot < k; slot += 32) row_weights[slot] /= denominator;
}

}  // namespace

absl::Status MoeTopKRouting(const float* logits, int32_t* expert_ids, float* weights,
                            int64_t tokens, int64_t experts, int64_t k, bool renormalize,
                            cudaStream_t stream) {
  if (logits == nullptr || expert_ids == nullptr || weights == nullptr) {
    return absl::InvalidArgumentError("MoeTopKRouting: null pointer");
  }
  if (tokens < 0 || experts < 1 || experts > kMoeMaxExperts) {
    return absl::InvalidArgumentError("MoeTopKRouting: bad token or expert count");
  }
  if (k < 1 || k > experts) {
    return absl::InvalidArgumentError("MoeTopKRouting: k must be in [1, experts]");
  }
  if (tokens > 0x7fffffff / k) {
    return absl::InvalidArgumentError("MoeTopKRouting: tokens * k must fit in int32");
  }
  if (tokens == 0) return absl::OkStatus();
  const int64_t blocks = (tokens + kWarpsPerBlock - 1) / kWarpsPerBlock;
  MoeTopKRoutingKernel<<<static_cast<unsigned>(blocks), kWarpsPerBlock * 32, 0, stream>>>(
      logits, expert_ids, weights, tokens, static_cast<int>(experts), static_cast<int>(k),
      renormalize);
  return LaunchStatus("MoeTopKRoutingKernel");
}

}  // namespace llm::kernels
