#include "engine/sampling/sampler.h"

#include <algorithm>
#include <cmath>

namespace llm {

int32_t ArgMax(absl::Span<const float> logits) {
  // The largest value first, in independent lanes that compile to vector max
  // instructions (a vocabulary per sequence and step: std::max_element's one chain of
  // compares was 2% of batched decoding); then the first position holding it.
  constexpr size_t kLanes = 16;
  float lanes[kLanes];
  std::fill_n(lanes, kLanes, -INFINITY);
  size_t i = 0;
  for (; i + kLanes <= logits.size(); i += kLanes) {
    for (size_t l = 0; l < kLanes; ++l) lanes[l] = std::max(lanes[l], logits[i + l]);
  }
  float best = *std::max_element(lanes, lanes + kLanes);
  for (; i < logits.size(); ++i) best = std::max(best, logits[i]);
  const auto it = std::find(logits.begin(), logits.end(), best);
  return it == logits.end() ? 0 : static_cast<int32_t>(it - logits.begin());  // All NaN: 0.
}

int32_t Sampler::Sample(absl::Span<float> logits) {
  if (config_.temperature <= 0.0f || config_.top_k == 1) return ArgMax(logits);

  // Candidates sorted by logit, most likely first; top-k cuts the list early.
  const size_t vocab = logits.size();
  const size_t k = config_.top_k > 0 ? std::min<size_t>(config_.top_k, vocab) : vocab;
  candidates_.resize(vocab);
  for (size_t i = 0; i < vocab; ++i) candidates_[i] = {logits[i], static_cast<int32_t>(i)};
  std::partial_sort(candidates_.begin(), candidates_.begin() + k, candidates_.end(),
                    [](const auto& a, const auto& b) { return a.first > b.first; });
  candidates_.resize(k);

  // Softmax at the temperature.
  const float max = candidates_[0].first;
  float total = 0.0f;
  for (auto& [value, id] : candidates_) {
    value = std::exp((value - max) / config_.temperature);
    total += value;
  }
  for (auto& candidate : candidates_) candidate.first /= total;

  // min-p: drop tokens below min_p × the top probability. top-p: keep the smallest
  // prefix whose probabilities reach top_p.
  size_t keep = candidates_.size();
  if (config_.min_p > 0.0f) {
    const float floor = config_.min_p * candidates_[0].first;
    keep = std::find_if(candidates_.begin(), candidates_.end(),
                        [floor](const auto& c) { return c.first < floor; }) -
           candidates_.begin();
  }
  if (config_.top_p < 1.0f) {
    float cumulative = 0.0f;
    for (size_t i = 0; i < keep; ++i) {
      cumulative += candidates_[i].first;
      if (cumulative >= config_.top_p) {
        keep = i + 1;
        break;
      }
    }
  }
  keep = std::max<size_t>(keep, 1);
  float kept_total = 0.0f;
  for (size_t i = 0; i < keep; ++i) kept_total += candidates_[i].first;
  const float draw = std::uniform_real_distribution<float>(0.0f, kept_total)(rng_);
  float cumulative = 0.0f;
  for (size_t i = 0; i < keep; ++i) {
    cumulative += candidates_[i].first;
    if (draw < cumulative) return candidates_[i].second;
  }
  return candidates_[keep - 1].second;
}

}  // namespace llm
