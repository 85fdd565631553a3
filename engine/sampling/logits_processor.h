// Logit transforms applied before sampling, in the order the API documents
// (proto/llm/v1/engine.proto SamplingParams): logit bias, then penalties. Pure
// functions over one row of logits.
#ifndef LLM_ENGINE_SAMPLING_LOGITS_PROCESSOR_H_
#define LLM_ENGINE_SAMPLING_LOGITS_PROCESSOR_H_

#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/types/span.h"

namespace llm {

struct PenaltyConfig {
  float repetition = 1.0f;  // transformers' repetition_penalty; 1 is off.
  float presence = 0.0f;    // OpenAI presence_penalty; 0 is off.
  float frequency = 0.0f;   // OpenAI frequency_penalty; 0 is off.
};

// logits[id] += bias for each entry (ids outside the vocabulary are ignored; the
// request layer rejects them).
void ApplyLogitBias(const absl::flat_hash_map<int32_t, float>& bias, absl::Span<float> logits);

// Token counts of a sequence, kept as it grows: prompt tokens count for the repetition
// penalty (as transformers does), generated tokens for all three.
class TokenCounts {
 public:
  void AddPrompt(int32_t token) { ++prompt_[token]; }
  void AddGenerated(int32_t token) { ++generated_[token]; }

  // Repetition: a logit of a token seen anywhere is divided by the penalty when
  // positive and multiplied when negative. Presence and frequency (OpenAI):
  // logit −= frequency·count + presence·[count > 0], over generated tokens.
  void ApplyPenalties(const PenaltyConfig& config, absl::Span<float> logits) const;

 private:
  absl::flat_hash_map<int32_t, int32_t> prompt_, generated_;
};

}  // namespace llm

#endif  // LLM_ENGINE_SAMPLING_LOGITS_PROCESSOR_H_
