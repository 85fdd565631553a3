// Chooses the next token of each sequence on the GPU, with the semantics of the CPU
// Sampler (engine/sampling/sampler.h): greedy (temperature <= 0 or top_k == 1: the
// largest logit, lowest id on ties), or softmax(logits / temperature) over the top_k
// largest logits, cut to the smallest most-likely-first prefix whose mass reaches top_p,
// minus tokens below min_p times the top probability, renormalized. These cuts are all
// prefixes of the same order, so their order does not matter: top-p and min-p both see
// probabilities normalized over the top-k set, as on the CPU.
//
// Randomness stays on the host: the caller draws one uniform number u per sampled row
// from that request's seeded generator (greedy rows draw none, as on the CPU) and the
// kernel picks the token where u times the kept mass falls in the cumulative
// distribution. Any one seed therefore reproduces its tokens whatever else is in the
// batch, and the kernel itself is deterministic (fixed-order sums, no atomics on floats).
// The cumulative distribution walks the kept tokens in id order (no sort), so a given u
// picks from the same distribution as the CPU but not always the same token.
//
// Ties are broken by id wherever a cut falls inside a group of equal logits: the lowest
// ids stay (the CPU's partial sort leaves that choice unspecified).
//
// Layout: `logits` is row-major f32 [rows, vocab] (after bias and penalties), left
// unchanged; `params`, `uniforms`, `tokens` and `logprobs` hold one entry per row. All
// pointers are device memory. Logits must be finite or -inf, with at least one finite.
#ifndef LLM_KERNELS_SAMPLING_SAMPLE_TOKENS_H_
#define LLM_KERNELS_SAMPLING_SAMPLE_TOKENS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "kernels/common/device.h"

namespace llm::kernels {

// One row's sampling parameters, as SamplingConfig (engine/sampling/sampler.h) less the
// seed. Plain data: the caller uploads an array of them.
struct SamplingParams {
  float temperature = 1.0f;  // <= 0: greedy. Must be finite.
  int32_t top_k = 0;         // 0: off (as is any value >= vocab); 1: greedy; never negative.
  float top_p = 1.0f;        // In (0, 1]; 1: off.
  float min_p = 0.0f;        // In [0, 1]; 0: off.
};
static_assert(sizeof(SamplingParams) == 16, "uploaded as is");

// Checks `rows` parameters in host memory: the ranges above. The kernel cannot report a
// status for values it reads from the device, so callers check their host copy with this
// before uploading it; a row that gets past it anyway comes out as token -1 (see below).
absl::Status CheckSamplingParams(const SamplingParams* params, int64_t rows);

// Enqueues the sampling of `rows` rows on `stream`: tokens[r] gets the chosen id and, if
// `logprobs` is not null, logprobs[r] its log-probability under log_softmax(logits[r])
// at temperature 1 (the value the API reports; engine/sampling/logprobs.h).
// uniforms[r] is read only for sampled rows and must lie in [0, 1) (1 picks the last kept
// token). A row whose parameters or u are out of range gets token -1 and logprob NaN.
// Returns an error for bad arguments (null pointers, vocab < 1) or a failed launch.
absl::Status SampleTokens(const float* logits, int64_t rows, int64_t vocab,
                          const SamplingParams* params, const float* uniforms, int32_t* tokens,
                          float* logprobs, cudaStream_t stream);

}  // namespace llm::kernels

#endif  // LLM_KERNELS_SAMPLING_SAMPLE_TOKENS_H_
