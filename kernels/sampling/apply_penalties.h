// Repetition, presence and frequency penalties on the GPU, with the semantics of the CPU
// TokenCounts::ApplyPenalties (engine/sampling/logits_processor.h), bit for bit:
//   - repetition (transformers): a token seen in the prompt or the output has its logit
//     divided by the penalty when positive and multiplied by it otherwise;
//   - then presence and frequency (OpenAI), over generated tokens only:
//     logit -= frequency * generated_count + presence.
// Penalties that are off (repetition 1, presence and frequency 0) leave logits untouched.
// As on the CPU, they come after the logit bias and before SampleTokens.
//
// Input, CSR by row so that a batch uploads as three flat arrays: row r's distinct tokens
// are counts[row_offsets[r], row_offsets[r + 1]), each with its prompt and generated
// count. Only tokens a sequence has seen need an entry, so the work follows the context,
// not the vocabulary. Ids outside [0, vocab) are ignored (as on the CPU); entries with
// both counts 0 change nothing. A row must not list a token twice (the entries of a row
// are applied in parallel).
//
// Layout: `logits` is row-major f32 [rows, vocab], updated in place; `row_offsets` holds
// rows + 1 non-decreasing entries starting at 0; `params` one entry per row. All
// pointers are device memory.
#ifndef LLM_KERNELS_SAMPLING_APPLY_PENALTIES_H_
#define LLM_KERNELS_SAMPLING_APPLY_PENALTIES_H_

#include <cstdint>

#include "absl/status/status.h"
#include "kernels/common/device.h"

namespace llm::kernels {

// How often a sequence has seen one token.
struct TokenCount {
  int32_t token = 0;
  int32_t prompt = 0;     // Occurrences in the prompt.
  int32_t generated = 0;  // Occurrences in the output so far.
};
static_assert(sizeof(TokenCount) == 12, "uploaded as is");

// One row's penalties, as PenaltyConfig (engine/sampling/logits_processor.h).
struct PenaltyParams {
  float repetition = 1.0f;  // 1: off. Positive.
  float presence = 0.0f;    // 0: off.
  float frequency = 0.0f;   // 0: off.
};
static_assert(sizeof(PenaltyParams) == 12, "uploaded as is");

// Enqueues the penalties on `stream`; returns an error for bad arguments (null pointers,
// vocab < 1) or a failed launch.
absl::Status ApplyPenalties(float* logits, int64_t rows, int64_t vocab, const int32_t* row_offsets,
                            const TokenCount* counts, const PenaltyParams* params,
                            cudaStream_t stream);

}  // namespace llm::kernels

#endif  // LLM_KERNELS_SAMPLING_APPLY_PENALTIES_H_
