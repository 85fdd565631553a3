#include "kernels/common/cuda_status.h"
#include "kernels/moe/moe_align.h"

namespace llm::kernels {
namespace {

constexpr int kThreads = 1024;
constexpr int kWarps = kThreads / 32;
constexpr int kMaxExperts = static_cast<int>(kMoeMaxExperts);
constexpr unsigned kFullMask = 0xffffffffu;

// The expert of assignment `i`, or -1 past the warp's run or for an id out of range.
__device__ __forceinline__ int ExpertOf(const int32_t* expert_ids, int64_t i, int64_t end,
                                        int experts) {
  if (i >= end) return -1;
  const int32_t e = expert_ids[i];
  return e >= 0 && e < experts ? e : -1;
}

// A stable counting sort in one block. Warp w owns the contiguous run of assignments
// [w * per_warp, (w + 1) * per_warp) and a row of per-expert counters in shared memory:
//   1. Each warp counts its run, 32 assignments at a time: __match_any_sync groups the
//      lanes by expert and the group's lowest lane adds the group's size (integer, no
//      atomics: groups in one step have distinct experts).
//   2. One thread per expert turns the 32 warp counts into exclusive prefixes (the
//      assignments of earlier warps come first) and the total; warp 0 scans the totals
//      into the expert offsets.
//   3. Each warp walks its run again: an assignment's position is its expert's offset,
//      plus the earlier warps' count, plus the warp's running count, plus the lanes of
//      its group below it in this step. Runs in warp order and steps in index order make
//      the order that of the assignment numbers.
__global__ void __launch_bounds__(kThreads)
    MoeAlignKernel(const int32_t* __restrict__ expert_ids, int32_t* __restrict__ expert_counts,
                   int32_t* __restrict__ expert_offsets, int32_t* __restrict__ sorted_assignments,
                   int32_t* __restrict__ assignment_positions, int64_t assignments, int experts) {
  __shared__ int32_t warp_counts[kWarps][kMaxExperts];
  __shared__ int32_t offsets[kMaxExperts + 1];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const unsigned lanes_below = (1u << lane) - 1;
  const int64_t per_warp = (assignments + kWarps - 1) / kWarps;
  const int64_t begin = min(assignments, warp * per_warp);
  const int64_t end = min(assignments, begin + per_warp);
  int32_t* running = warp_counts[warp];

  for (int e = lane; e < kMaxExperts; e += 32) running[e] = 0;
  __syncwarp();
  for (int64_t base = begin; base < end; base += 32) {
    const int e = ExpertOf(expert_ids, base + lane, end, experts);
    const unsigned group = __match_any_sync(kFullMask, e);
    if (e >= 0 && lane == __ffs(group) - 1) running[e] += __popc(group);
    __syncwarp();
  }
  __syncthreads();

  if (static_cast<int>(threadIdx.x) < experts) {
    const int e = threadIdx.x;
    int32_t total = 0;
    for (int w = 0; w < kWarps; ++w) {
      const int32_t count = warp_counts[w][e];
      warp_counts[w][e] = total;
      total += count;
    }
    expert_counts[e] = total;
    offsets[e] = total;  // The count, until warp 0 scans it.
  }
  __syncthreads();

  if (warp == 0) {
    // Lane l scans experts [8 l, 8 l + 8) serially; lanes combine with a shuffle scan.
    constexpr int kPerLane = kMaxExperts / 32;
    int32_t counts[kPerLane];
    int32_t lane_total = 0;
#pragma unroll
    for (int i = 0; i < kPerLane; ++i) {
      const int e = lane * kPerLane + i;
      counts[i] = e < experts ? offsets[e] : 0;
      lane_total += counts[i];
    }
    int32_t inclusive = lane_total;
    for (int offset = 1; offset < 32; offset *= 2) {
      const int32_t below = __shfl_up_sync(kFullMask, inclusive, offset);
      if (lane >= offset) inclusive += below;
    }
    __syncwarp();  // Every lane has read its counts before any lane overwrites them.
    int32_t offset = inclusive - lane_total;
#pragma unroll
    for (int i = 0; i < kPerLane; ++i) {
      const int e = lane * kPerLane + i;
      if (e < experts) {
        offsets[e] = offset;
        expert_offsets[e] = offset;
      }
      offset += counts[i];
    }
    if (lane == 31) {
      offsets[experts] = inclusive;
      expert_offsets[experts] = inclusive;
    }
  }
  __syncthreads();

  // Positions no valid assignment takes (ids out of range) say so.
  for (int64_t p = offsets[experts] + threadIdx.x; p < assignments; p += kThreads) {
    sorted_assignments[p] = -1;
  }
  for (int64_t base = begin; base < end; base += 32) {
    const int64_t i = base + lane;
    const int e = ExpertOf(expert_ids, i, end, experts);
    const unsigned group = __match_any_sync(kFullMask, e);
    if (e >= 0) {
      const int32_t position = offsets[e] + running[e] + __popc(group & lanes_below);
      sorted_assignments[position] = static_cast<int32_t>(i);
      assignment_positions[i] = position;
    } else if (i < end) {
      assignment_positions[i] = -1;
    }
    __syncwarp();  // The group has read running[e] before its lowest lane advances it.
    if (e >= 0 && lane == __ffs(group) - 1) running[e] += __popc(group);
    __syncwarp();
  }
}

}  // namespace

absl::Status MoeAlign(const int32_t* expert_ids, int32_t* expert_counts, int32_t* expert_offsets,
                      int32_t* sorted_assignments, int32_t* assignment_positions, int64_t tokens,
                      int64_t k, int64_t experts, cudaStream_t stream) {
  if (expert_ids == nullptr || expert_counts == nullptr || expert_offsets == nullptr ||
      sorted_assignments == nullptr || assignment_positions == nullptr) {
    return absl::InvalidArgumentError("MoeAlign: null pointer");
  }
  if (tokens < 0 || k < 1 || experts < 1 || experts > kMoeMaxExperts) {
    return absl::InvalidArgumentError("MoeAlign: bad shape");
  }
  if (tokens > 0x7fffffff / k) {
    return absl::InvalidArgumentError("MoeAlign: tokens * k must fit in int32");
  }
  MoeAlignKernel<<<1, kThreads, 0, stream>>>(expert_ids, expert_counts, expert_offsets,
                                             sorted_assignments, assignment_positions, tokens * k,
                                             static_cast<int>(experts));
  return LaunchStatus("MoeAlignKernel");
}

}  // namespace llm::kernels
