#include "engine/sampling/sampler.h"

#include <cmath>
#include <map>

#include "gtest/gtest.h"

namespace llm {
namespace {

TEST(SamplerTest, GreedyTakesTheArgmax) {
  std::vector<float> logits = {0.1f, 2.0f, 2.0f, -1.0f};
  Sampler sampler({.temperature = 0.0f});
  EXPECT_EQ(sampler.Sample(absl::MakeSpan(logits)), 1);  // Ties go to the lower id.
}

TEST(SamplerTest, SameSeedSameTokens) {
  std::vector<float> base(50);
  for (int i = 0; i < 50; ++i) base[i] = std::sin(i * 0.7f);
  auto run = [&](uint64_t seed) {
    Sampler sampler({.temperature = 1.0f, .seed = seed});
    std::vector<int32_t> out;
    for (int i = 0; i < 30; ++i) {
      std::vector<float> logits = base;
      out.push_back(sampler.Sample(absl::MakeSpan(logits)));
    }
    return out;
  };
  EXPECT_EQ(run(7), run(7));
  EXPECT_NE(run(7), run(8));
}

TEST(SamplerTest, FrequenciesFollowTheSoftmax) {
  // Logits log(0.5), log(0.3), log(0.2): 20000 draws land within 2% of each share.
  const std::vector<float> base = {std::log(0.5f), std::log(0.3f), std::log(0.2f)};
  Sampler sampler({.temperature = 1.0f, .seed = 1});
  std::map<int32_t, int> counts;
  for (int i = 0; i < 20000; ++i) {
    std::vector<float> logits = base;
    ++counts[sampler.Sample(absl::MakeSpan(logits))];
  }
  EXPECT_NEAR(counts[0] / 20000.0, 0.5, 0.02);
  EXPECT_NEAR(counts[1] / 20000.0, 0.3, 0.02);
  EXPECT_NEAR(counts[2] / 20000.0, 0.2, 0.02);
}

TEST(SamplerTest, FiltersRemoveUnlikelyTokens) {
  const std::vector<float> base = {std::log(0.5f), std::log(0.3f), std::log(0.15f),
                                   std::log(0.05f)};
  auto seen = [&](SamplingConfig config) {
    Sampler sampler(config);
    std::map<int32_t, int> counts;
    for (int i = 0; i < 3000; ++i) {
      std::vector<float> logits = base;
      ++counts[sampler.Sample(absl::MakeSpan(logits))];
    }
    return counts;
  };
  EXPECT_EQ(seen({.top_k = 2, .seed = 3}).size(), 2u);
  EXPECT_EQ(seen({.top_p = 0.75f, .seed = 3}).size(), 2u);  // 0.5 + 0.3 reaches 0.75.
  EXPECT_EQ(seen({.min_p = 0.2f, .seed = 3}).size(), 3u);   // 0.05 < 0.2 · 0.5.
}

}  // namespace
}  // namespace llm
