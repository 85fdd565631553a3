#include "engine/runtime/step_plan.h"

#include <algorithm>

#include "engine/kv_cache/block_size.h"

namespace llm {
namespace {

// New blocks `seq` needs to feed `tokens` more: those past its table's end, plus a copy
// of a shared last block that it would write into.
int64_t NewBlocks(const RunningDemand& seq, int64_t tokens, int64_t block_tokens) {
  if (tokens == 0) return 0;
  return std::max<int64_t>(0, BlocksFor(seq.position + tokens, block_tokens) - seq.blocks) +
         (seq.shared_tail ? 1 : 0);
}

}  // namespace

StepPlan PlanStep(absl::Span<const RunningDemand> running, absl::Span<const WaitingDemand> waiting,
                  int64_t free_blocks, const SchedulerLimits& limits) {
  const int64_t block_tokens = limits.kv_block_tokens;
  StepPlan plan;
  plan.take.assign(running.size(), 0);
  std::vector<bool> preempted(running.size(), false);
  int newest = static_cast<int>(running.size()) - 1;  // The newest not preempted.
  int64_t left = limits.step_tokens;

  // One token each, oldest first; the newest make room when blocks run out.
  for (int i = 0; i <= newest; ++i) {
    const int64_t take = std::min<int64_t>(running[i].pending, 1);
    const int64_t need = NewBlocks(running[i], take, block_tokens);
    while (need > free_blocks && newest >= i) {
      preempted[newest] = true;
      plan.preempt.push_back(newest);
      free_blocks += running[newest].releasable;
      --newest;
    }
    if (preempted[i]) break;
    free_blocks -= need;
    plan.take[i] = take;
    left -= take;
  }

  // New requests start only while nothing had to be preempted.
  int sequences = newest + 1;
  if (plan.preempt.empty()) {
    for (const WaitingDemand& request : waiting) {
      const int64_t need = BlocksFor(request.tokens, block_tokens);
      if (sequences + request.sequences > limits.max_running || need > free_blocks) break;
      sequences += request.sequences;
      free_blocks -= need;
      ++plan.admit;
      plan.take.push_back(std::min<int64_t>(request.tokens, 1));
      left -= plan.take.back();
    }
  }

  // The rest of the budget to prompts, in order.
  for (int i = 0; i <= newest && left > 0; ++i) {
    const RunningDemand& seq = running[i];
    const int64_t had = NewBlocks(seq, plan.take[i], block_tokens);
    // The most tokens the blocks it has, plus those it could get, can hold.
    const int64_t fits =
        (seq.blocks + had + free_blocks - (seq.shared_tail ? 1 : 0)) * block_tokens - seq.position;
    const int64_t more =
        std::max<int64_t>(0, std::min({seq.pending - plan.take[i], left, fits - plan.take[i]}));
    plan.take[i] += more;
    left -= more;
    free_blocks -= NewBlocks(seq, plan.take[i], block_tokens) - had;
  }
  for (int a = 0; a < plan.admit && left > 0; ++a) {  // Their blocks are reserved.
    int64_t& take = plan.take[running.size() + a];
    const int64_t more = std::min(waiting[a].tokens - take, left);
    take += more;
    left -= more;
  }
  return plan;
}

}  // namespace llm
