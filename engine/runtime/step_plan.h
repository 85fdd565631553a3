// The scheduler's policy for one engine step, as a pure function: how many of each
// running sequence's pending input tokens the next batched forward takes.
#ifndef LLM_ENGINE_RUNTIME_STEP_PLAN_H_
#define LLM_ENGINE_RUNTIME_STEP_PLAN_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"

namespace llm {

struct SchedulerLimits {
  int max_running = 64;       // Sequences generated at once; later requests wait.
  int max_queued = 256;       // Requests waiting; more get RESOURCE_EXHAUSTED at once.
  int64_t step_tokens = 512;  // Tokens one step feeds, prompt chunks and decodes together.
};

// `pending[i]` is what sequence i still has to feed: 1 while it decodes, the rest of its
// prompt while it prefills. Every sequence takes at least one token, so decoding streams
// never stall behind a long prompt and every prompt makes progress; what is left of
// `step_tokens` goes to prompts in order (the oldest first), so a long prompt is
// prefilled over several steps.
std::vector<int64_t> PlanStep(absl::Span<const int64_t> pending, int64_t step_tokens);

}  // namespace llm

#endif  // LLM_ENGINE_RUNTIME_STEP_PLAN_H_
