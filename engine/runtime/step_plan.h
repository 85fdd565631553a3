// The scheduler's policy for one engine step, as a pure function of what runs, what
// waits and the free KV cache blocks: which sequences to preempt, which waiting requests
// to start, and how many pending input tokens each sequence feeds to the next batched
// forward.
#ifndef LLM_ENGINE_RUNTIME_STEP_PLAN_H_
#define LLM_ENGINE_RUNTIME_STEP_PLAN_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "engine/kv_cache/block_size.h"

namespace llm {

struct SchedulerLimits {
  int max_running = 64;       // Sequences generated at once; later requests wait.
  int max_queued = 256;       // Requests waiting; more get RESOURCE_EXHAUSTED at once.
  int64_t step_tokens = 512;  // Tokens one step feeds, prompt chunks and decodes together.
  int64_t kv_cache_bytes = int64_t{4} << 30;      // The KV block pool (committed as it fills).
  int64_t kv_block_tokens = kDefaultBlockTokens;  // Positions per KV block.
};

// A running sequence as the planner sees it.
struct RunningDemand {
  int64_t pending = 0;       // Input tokens to feed: 1 while decoding, the prompt's rest before.
  int64_t position = 0;      // Tokens already in its KV cache.
  int64_t blocks = 0;        // Blocks in its block table.
  bool shared_tail = false;  // Its last block, partly filled, is shared: writing copies it.
  int64_t releasable = 0;    // Blocks that preempting it frees (no one else holds them).
};

// A request waiting to start (or a preempted sequence waiting to resume).
struct WaitingDemand {
  int64_t tokens = 0;  // Tokens to feed before it can sample.
  int sequences = 1;   // Sequences it runs once started (n choices).
};

struct StepPlan {
  std::vector<int> preempt;   // Running sequences to free and requeue, newest first.
  int admit = 0;              // Waiting requests that start now, from the front.
  std::vector<int64_t> take;  // Tokens fed by each running sequence (0 if preempted),
                              // then by each admitted request.
};

// `running` is in arrival order, `waiting` in queue order; `free_blocks` are the KV
// blocks not held by any sequence.
//
// Every running sequence feeds at least one token, so decoding streams never stall
// behind a long prompt; when the KV blocks for that run out, the newest sequences are
// preempted (freed and requeued, to be recomputed) rather than failed. Without
// preemption, waiting requests start while there are sequence slots and blocks for
// their whole input. What is left of `step_tokens` goes to prompts, oldest first, as far
// as the blocks allow, so a long prompt is prefilled over several steps.
StepPlan PlanStep(absl::Span<const RunningDemand> running, absl::Span<const WaitingDemand> waiting,
                  int64_t free_blocks, const SchedulerLimits& limits);

}  // namespace llm

#endif  // LLM_ENGINE_RUNTIME_STEP_PLAN_H_
