// Rotary position embeddings: the frequency of each rotated pair, with the context
// extensions of transformers' modeling_rope_utils (FORMATS.md §1.3): linear, dynamic
// (NTK, recomputed as the sequence outgrows the trained context), llama3 and yarn.
#ifndef LLM_ENGINE_MODEL_ROPE_H_
#define LLM_ENGINE_MODEL_ROPE_H_

#include <cstdint>
#include <vector>

#include "engine/model/model_config.h"

namespace llm {

// inv_freq[i] for the head_dim / 2 pairs, for a sequence of `seq_len` positions (only
// dynamic scaling depends on it).
std::vector<float> RopeInvFreq(const ModelConfig& config, int64_t seq_len);

// What multiplies both cos and sin (yarn's attention factor; 1 otherwise).
float RopeAttentionFactor(const ModelConfig& config);

// The rotation of each pair at `position`: cos and sin of position · inv_freq[i], times
// `attention_factor`, inv_freq.size() values each. Computed once per token, shared by
// every head and layer.
void RopeRotation(int64_t position, const std::vector<float>& inv_freq, float attention_factor,
                  float* cos, float* sin);

// Rotates the pairs of one head of `head_dim` values by a RopeRotation.
void ApplyRope(float* x, int64_t head_dim, RopeStyle style, const float* cos, const float* sin);

}  // namespace llm

#endif  // LLM_ENGINE_MODEL_ROPE_H_
