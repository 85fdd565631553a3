#include <climits>
#include <cstdint>

#include "kernels/common/cuda_status.h"
#include "kernels/sampling/apply_penalties.h"

namespace llm::kernels {
namespace {

constexpr int kThreads = 128;

// One block per row; threads stride over the row's entries (distinct tokens, so no two
// threads write one logit). The arithmetic is the CPU's, operation for operation:
// IEEE division, and frequency * count + presence rounded step by step (__fmul_rn keeps
// nvcc from fusing it into an FMA, which the CPU build does not do).
__global__ void ApplyPenaltiesKernel(float* __restrict__ logits, int vocab,
                                     const int32_t* __restrict__ row_offsets,
                                     const TokenCount* __restrict__ counts,
                                     const PenaltyParams* __restrict__ params) {
  const int64_t r = blockIdx.x;
  const PenaltyParams p = params[r];
  const bool repeat = p.repetition != 1.0f;
  const bool subtract = p.presence != 0.0f || p.frequency != 0.0f;
  if (!repeat && !subtract) return;
  float* row = logits + r * vocab;
  const int64_t end = row_offsets[r + 1];
  for (int64_t e = row_offsets[r] + threadIdx.x; e < end; e += blockDim.x) {
    const TokenCount c = counts[e];
    if (c.token < 0 || c.token >= vocab) continue;
    if (c.prompt <= 0 && c.generated <= 0) continue;
    float x = row[c.token];
    if (repeat) x = x > 0.0f ? x / p.repetition : x * p.repetition;
    if (subtract && c.generated > 0) {
      x -= __fadd_rn(__fmul_rn(p.frequency, static_cast<float>(c.generated)), p.presence);
    }
    row[c.token] = x;
  }
}

}  // namespace

absl::Status ApplyPenalties(float* logits, int64_t rows, int64_t vocab, const int32_t* row_offsets,
                            const TokenCount* counts, const PenaltyParams* params,
                            cudaStream_t stream) {
  if (logits == nullptr || row_offsets == nullptr || counts == nullptr || params == nullptr) {
    return absl::InvalidArgumentError("ApplyPenalties: null pointer");
  }
  if (rows < 0 || rows > INT_MAX || vocab < 1 || vocab > INT_MAX) {
    return absl::InvalidArgumentError("ApplyPenalties: bad shape");
  }
  if (rows == 0) return absl::OkStatus();
  ApplyPenaltiesKernel<<<static_cast<unsigned>(rows), kThreads, 0, stream>>>(
      logits, static_cast<int>(vocab), row_offsets, counts, params);
  return LaunchStatus("ApplyPenaltiesKernel");
}

}  // namespace llm::kernels
