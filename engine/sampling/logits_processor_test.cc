#include "engine/sampling/logits_processor.h"

#include "gtest/gtest.h"

namespace llm {
namespace {

TEST(LogitsProcessorTest, BiasAddsAndIgnoresIdsOutsideTheVocabulary) {
  std::vector<float> logits = {1.0f, 2.0f, 3.0f};
  ApplyLogitBias({{0, -100.0f}, {2, 0.5f}, {7, 9.0f}, {-1, 9.0f}}, absl::MakeSpan(logits));
  EXPECT_EQ(logits, (std::vector<float>{-99.0f, 2.0f, 3.5f}));
}

TEST(LogitsProcessorTest, RepetitionPenaltyFollowsTransformers) {
  // transformers' RepetitionPenaltyLogitsProcessor: score / p if score > 0 else score * p,
  // once per distinct token of the prompt and the output.
  TokenCounts counts;
  counts.AddPrompt(0);
  counts.AddPrompt(0);
  counts.AddGenerated(1);
  counts.AddGenerated(0);
  std::vector<float> logits = {2.0f, -2.0f, 4.0f};
  counts.ApplyPenalties({.repetition = 2.0f}, absl::MakeSpan(logits));
  EXPECT_EQ(logits, (std::vector<float>{1.0f, -4.0f, 4.0f}));
}

TEST(LogitsProcessorTest, PresenceAndFrequencyFollowOpenAi) {
  // logit −= count·frequency + [count > 0]·presence, over generated tokens only.
  TokenCounts counts;
  counts.AddPrompt(2);
  counts.AddGenerated(0);
  counts.AddGenerated(0);
  counts.AddGenerated(0);
  counts.AddGenerated(1);
  std::vector<float> logits = {0.0f, 0.0f, 0.0f};
  counts.ApplyPenalties({.presence = 0.5f, .frequency = 0.25f}, absl::MakeSpan(logits));
  EXPECT_FLOAT_EQ(logits[0], -(3 * 0.25f + 0.5f));
  EXPECT_FLOAT_EQ(logits[1], -(0.25f + 0.5f));
  EXPECT_FLOAT_EQ(logits[2], 0.0f);
}

}  // namespace
}  // namespace llm
