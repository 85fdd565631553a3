#include "engine/sampling/logprobs.h"

#include <algorithm>
#include <cmath>

namespace llm {

TokenLogprobs ComputeLogprobs(absl::Span<const float> logits, int32_t chosen, int top_n) {
  // log p_i = x_i − (max + log Σ exp(x_j − max)), in double for the sum.
  const float max = *std::max_element(logits.begin(), logits.end());
  double sum = 0.0;
  for (float x : logits) sum += std::exp(static_cast<double>(x) - max);
  const float log_z = max + static_cast<float>(std::log(sum));

  TokenLogprobs result;
  result.chosen = logits[chosen] - log_z;
  const size_t n = std::min<size_t>(std::max(top_n, 0), logits.size());
  std::vector<int32_t> ids(logits.size());
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int32_t>(i);
  std::partial_sort(ids.begin(), ids.begin() + n, ids.end(), [&](int32_t a, int32_t b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  });
  for (size_t i = 0; i < n; ++i) result.top.emplace_back(ids[i], logits[ids[i]] - log_z);
  return result;
}

}  // namespace llm
