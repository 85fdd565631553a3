#include "engine/sampling/logprobs.h"

#include <cmath>

#include "gtest/gtest.h"

namespace llm {
namespace {

TEST(LogprobsTest, LogSoftmaxAndTopAlternatives) {
  const std::vector<float> logits = {1.0f, 3.0f, 2.0f, 3.0f};
  const double z = std::log(std::exp(1.0) + 2 * std::exp(3.0) + std::exp(2.0));
  const TokenLogprobs lp = ComputeLogprobs(logits, 2, 3);
  EXPECT_NEAR(lp.chosen, 2.0 - z, 1e-6);
  ASSERT_EQ(lp.top.size(), 3u);
  EXPECT_EQ(lp.top[0].first, 1);  // Ties go to the lower id.
  EXPECT_EQ(lp.top[1].first, 3);
  EXPECT_EQ(lp.top[2].first, 2);
  EXPECT_NEAR(lp.top[0].second, 3.0 - z, 1e-6);
}

TEST(LogprobsTest, StableForLargeLogitsAndSumsToOne) {
  std::vector<float> logits(1000);
  for (int i = 0; i < 1000; ++i) logits[i] = 1000.0f + 0.01f * i;
  double total = 0;
  for (int i = 0; i < 1000; ++i) total += std::exp(ComputeLogprobs(logits, i, 0).chosen);
  EXPECT_NEAR(total, 1.0, 1e-4);
  EXPECT_TRUE(ComputeLogprobs(logits, 0, 0).top.empty());
}

}  // namespace
}  // namespace llm
