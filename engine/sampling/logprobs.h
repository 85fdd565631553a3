// Log-probabilities of sampled tokens and their most likely alternatives, from logits
// after bias and penalties (before temperature), as the API reports them.
#ifndef LLM_ENGINE_SAMPLING_LOGPROBS_H_
#define LLM_ENGINE_SAMPLING_LOGPROBS_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/types/span.h"

namespace llm {

struct TokenLogprobs {
  float chosen = 0.0f;                         // log p(chosen token)
  std::vector<std::pair<int32_t, float>> top;  // Most likely first; ties by lower id.
};

// log-softmax of `logits` at `chosen`, and the `top_n` largest entries.
TokenLogprobs ComputeLogprobs(absl::Span<const float> logits, int32_t chosen, int top_n);

}  // namespace llm

#endif  // LLM_ENGINE_SAMPLING_LOGPROBS_H_
