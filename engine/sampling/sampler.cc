#include "engine/sampling/sampler.h"

#include <algorithm>
#include <cmath>

#include "engine/backend/cpu/vec.h"

namespace llm {

namespace {

// Most likely first. (An object, not a function: the sorts inline it.)
struct Before {
  bool operator()(const std::pair<float, int32_t>& a, const std::pair<float, int32_t>& b) const {
    return a.first > b.first;
  }
};

// The token where the running sum of `weights` passes `draw`: whole chunks first, each
// summed in independent lanes (vector adds), then the chunk that holds it one by one.
int32_t Find(absl::Span<const float> weights, double draw) {
  constexpr size_t kChunk = 256, kLanes = 16;
  double cumulative = 0.0;
  size_t i = 0;
  for (; i + kChunk <= weights.size(); i += kChunk) {
    float lanes[kLanes] = {};
    for (size_t j = 0; j < kChunk; j += kLanes) {
      for (size_t l = 0; l < kLanes; ++l) lanes[l] += weights[i + j + l];
    }
    double chunk = 0.0;
    for (float lane : lanes) chunk += lane;
    if (draw < cumulative + chunk) break;
    cumulative += chunk;
  }
  for (; i < weights.size(); ++i) {
    cumulative += weights[i];
    if (draw < cumulative) return static_cast<int32_t>(i);
  }
  return ArgMax(weights);  // Only when rounding left the draw past the sum.
}

}  // namespace

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
  const size_t vocab = logits.size();
  if (vocab == 0) return 0;
  const float t = config_.temperature;
  double total = 0.0;  // What the kept tokens' weights are normalized by.
  if (config_.top_k > 0 && static_cast<size_t>(config_.top_k) < vocab) {
    // The k largest logits, sorted; the softmax is over them alone.
    const size_t k = config_.top_k;
    candidates_.resize(vocab);
    for (size_t i = 0; i < vocab; ++i) candidates_[i] = {logits[i], static_cast<int32_t>(i)};
    std::partial_sort(candidates_.begin(), candidates_.begin() + k, candidates_.end(), Before());
    candidates_.resize(k);
    const float max = candidates_[0].first;
    for (auto& [value, id] : candidates_) {
      value = std::exp((value - max) / t);
      total += value;
    }
  } else {
    candidates_.clear();
    // Every token's weight exp(logit / T − max / T), in (0, 1], over its logit.
    const float inverse_t = 1.0f / t;
    const float max = logits[ArgMax(logits)] * inverse_t;
    for (float& value : logits) value *= inverse_t;
    total = cpu::ExpInPlace(logits.data(), static_cast<int64_t>(vocab), max);
    // The tokens the filters can keep, which are all that need sorting: min-p keeps a
    // weight of at least min_p (the top weight is 1); top-p keeps the fewest most likely
    // tokens that reach top_p, never one below (1 − top_p) / vocab of the total, since
    // all tokens below that hold less than 1 − top_p together (halved: rounding).
    double floor = config_.min_p > 0.0f ? std::min(config_.min_p, 1.0f) : 0.0;
    if (config_.top_p < 1.0f) floor = std::max(floor, 0.5 * (1.0 - config_.top_p) * total / vocab);
    if (floor <= 0.0) {
      // Plain temperature sampling: one draw against the running sum, in id order.
      const double draw = std::uniform_real_distribution<double>(0.0, total)(rng_);
      return Find(logits, draw);
    }
    for (size_t i = 0; i < vocab; ++i) {
      if (logits[i] >= floor) candidates_.push_back({logits[i], static_cast<int32_t>(i)});
    }
    if (candidates_.empty()) return ArgMax(logits);  // NaN logits.
    std::sort(candidates_.begin(), candidates_.end(), Before());
  }
  for (auto& candidate : candidates_) candidate.first = static_cast<float>(candidate.first / total);

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
