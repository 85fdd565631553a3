// A validated generation request as the engine loop runs it: the prompt's tokens and
// the sampling and stopping settings of engine.proto with their defaults applied.
#ifndef LLM_ENGINE_RUNTIME_GENERATION_H_
#define LLM_ENGINE_RUNTIME_GENERATION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "engine/runtime/loaded_model.h"
#include "engine/sampling/logits_processor.h"
#include "engine/sampling/sampler.h"
#include "llm/v1/engine.pb.h"

namespace llm {

struct Generation {
  std::string request_id;
  std::vector<int32_t> prompt;
  int n = 1;  // Choices.
  SamplingConfig sampling;
  PenaltyConfig penalties;
  absl::flat_hash_map<int32_t, float> logit_bias;
  int64_t max_tokens = 0;  // Never past the context window.
  int64_t min_tokens = 0;
  std::vector<std::string> stop;
  std::vector<int32_t> stop_token_ids;
  bool ignore_eos = false;
  bool logprobs = false;
  bool prompt_logprobs = false;  // echo with logprobs: also the prompt tokens'.
  int top_logprobs = 0;
  bool skip_special_tokens = true;
  int64_t chunk_tokens = 3;  // Fewest tokens per streamed response.
};

// Checks `request` against the model and fills in defaults. Errors are INVALID_ARGUMENT
// naming the field (NOT_FOUND for an unknown adapter), with OpenAI's wording for a
// prompt that overflows `context_window` (the model's, or less when the KV cache is
// smaller).
absl::StatusOr<Generation> ValidateGeneration(const llm::v1::GenerateRequest& request,
                                              const LoadedModel& model, int64_t context_window,
                                              int64_t default_chunk);

}  // namespace llm

#endif  // LLM_ENGINE_RUNTIME_GENERATION_H_
