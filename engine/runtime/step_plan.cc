#include "engine/runtime/step_plan.h"

#include <algorithm>

namespace llm {

std::vector<int64_t> PlanStep(absl::Span<const int64_t> pending, int64_t step_tokens) {
  std::vector<int64_t> take(pending.size());
  int64_t left = step_tokens;
  for (size_t i = 0; i < pending.size(); ++i) {
    take[i] = std::min<int64_t>(pending[i], 1);
    left -= take[i];
  }
  for (size_t i = 0; i < pending.size() && left > 0; ++i) {
    const int64_t more = std::min(pending[i] - take[i], left);
    take[i] += more;
    left -= more;
  }
  return take;
}

}  // namespace llm
