#include "engine/sampling/logprobs.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

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

// A vocabulary-sized row with many ties: the 20 alternatives and every log-probability
// match a float64 log-softmax and a full sort (ties to the lower id) done here.
TEST(LogprobsTest, AVocabularyRowMatchesAFullSortInDouble) {
  constexpr int kVocab = 49152;
  std::mt19937 rng(4);
  std::uniform_int_distribution<int> level(-400, 40);  // Logits in steps of 0.05: many ties.
  std::vector<float> logits(kVocab);
  for (float& x : logits) x = 0.05f * level(rng);
  double max = -INFINITY, sum = 0;
  for (float x : logits) max = std::max<double>(max, x);
  for (float x : logits) sum += std::exp(x - max);
  const double log_z = max + std::log(sum);
  std::vector<int32_t> order(kVocab);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int32_t a, int32_t b) { return logits[a] > logits[b]; });
  const TokenLogprobs lp = ComputeLogprobs(logits, 777, 20);
  EXPECT_NEAR(lp.chosen, logits[777] - log_z, 1e-5);
  ASSERT_EQ(lp.top.size(), 20u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(lp.top[i].first, order[i]) << "rank " << i;
    EXPECT_NEAR(lp.top[i].second, logits[order[i]] - log_z, 1e-5) << "rank " << i;
  }
}

}  // namespace
}  // namespace llm
