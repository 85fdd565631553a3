#include "engine/sampling/logits_processor.h"

namespace llm {
namespace {

bool InVocab(int32_t id, absl::Span<const float> logits) {
  return id >= 0 && static_cast<size_t>(id) < logits.size();
}

void Repeat(float penalty, float& logit) { logit = logit > 0 ? logit / penalty : logit * penalty; }

}  // namespace

void ApplyLogitBias(const absl::flat_hash_map<int32_t, float>& bias, absl::Span<float> logits) {
  for (const auto& [id, value] : bias) {
    if (InVocab(id, logits)) logits[id] += value;
  }
}

void TokenCounts::ApplyPenalties(const PenaltyConfig& config, absl::Span<float> logits) const {
  if (config.repetition != 1.0f) {
    for (const auto& [id, count] : prompt_) {
      if (InVocab(id, logits)) Repeat(config.repetition, logits[id]);
    }
    for (const auto& [id, count] : generated_) {
      if (InVocab(id, logits) && !prompt_.contains(id)) Repeat(config.repetition, logits[id]);
    }
  }
  if (config.presence != 0.0f || config.frequency != 0.0f) {
    for (const auto& [id, count] : generated_) {
      if (InVocab(id, logits)) logits[id] -= config.frequency * count + config.presence;
    }
  }
}

}  // namespace llm
