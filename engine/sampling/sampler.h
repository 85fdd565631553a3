// Chooses the next token from a row of logits: greedy, or temperature sampling after
// the top-k, top-p (nucleus) and min-p filters. Each sequence owns a Sampler, whose
// random stream comes from the request's seed alone, so a seed reproduces its output
// whatever else is running. Not thread-safe (one per sequence).
#ifndef LLM_ENGINE_SAMPLING_SAMPLER_H_
#define LLM_ENGINE_SAMPLING_SAMPLER_H_

#include <cstdint>
#include <random>
#include <vector>

#include "absl/types/span.h"

namespace llm {

struct SamplingConfig {
  float temperature = 1.0f;  // 0: greedy.
  int32_t top_k = 0;         // 0: off.
  float top_p = 1.0f;        // 1: off.
  float min_p = 0.0f;        // 0: off.
  uint64_t seed = 0;
};

class Sampler {
 public:
  explicit Sampler(const SamplingConfig& config) : config_(config), rng_(config.seed) {}

  // Picks a token id from `logits` (vocab_size values; may be modified).
  int32_t Sample(absl::Span<float> logits);

 private:
  SamplingConfig config_;
  std::mt19937_64 rng_;
  std::vector<std::pair<float, int32_t>> candidates_;  // Reused scratch.
};

// Index of the largest logit; ties go to the lower id.
int32_t ArgMax(absl::Span<const float> logits);

}  // namespace llm

#endif  // LLM_ENGINE_SAMPLING_SAMPLER_H_
