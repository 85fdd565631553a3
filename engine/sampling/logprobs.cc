#include "engine/sampling/logprobs.h"

#include <algorithm>
#include <cmath>

#include "engine/backend/cpu/vec.h"
#include "engine/sampling/sampler.h"

namespace llm {

TokenLogprobs ComputeLogprobs(absl::Span<const float> logits, int32_t chosen, int top_n) {
  // log p_i = x_i − (max + log Σ exp(x_j − max)): the sum over the vocabulary in vector
  // lanes (cpu/vec.h), gathered in double.
  const float max = logits[ArgMax(logits)];
  const double sum = cpu::SumExp(logits.data(), static_cast<int64_t>(logits.size()), max);
  const float log_z = max + static_cast<float>(std::log(sum));

  TokenLogprobs result;
  result.chosen = logits[chosen] - log_z;
  // The top_n largest in one pass over the vocabulary, kept sorted in a short list (top_n
  // is at most 20): a later id enters only above an equal logit's, so ties go to the
  // lower id.
  const size_t n = std::min<size_t>(std::max(top_n, 0), logits.size());
  if (n == 0) return result;
  std::vector<std::pair<float, int32_t>> best;
  best.reserve(n + 1);
  for (size_t i = 0; i < logits.size(); ++i) {
    const float x = logits[i];
    if (best.size() == n && !(x > best.back().first)) continue;
    const auto at = std::upper_bound(best.begin(), best.end(), x,
                                     [](float value, const auto& e) { return value > e.first; });
    best.insert(at, {x, static_cast<int32_t>(i)});
    if (best.size() > n) best.pop_back();
  }
  for (const auto& [x, id] : best) result.top.emplace_back(id, x - log_z);
  return result;
}

}  // namespace llm
