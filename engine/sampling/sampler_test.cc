#include "engine/sampling/sampler.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

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

// On a vocabulary of 500 peaked logits, each filter's draws land on the tokens and at the
// shares that the filter's definition gives, computed here in double by sorting the
// whole vocabulary: the sampler sorts only the tokens that can survive the filter.
TEST(SamplerTest, FiltersKeepTheTokensAndSharesTheirDefinitionsGive) {
  constexpr int kVocab = 500;
  std::vector<float> base(kVocab);
  for (int i = 0; i < kVocab; ++i) base[i] = 4.0f * std::sin(i * 1.3f) - 0.01f * i;
  auto expected = [&](const SamplingConfig& c) {
    std::vector<std::pair<double, int>> p;
    double total = 0;
    const double max = *std::max_element(base.begin(), base.end());
    for (int i = 0; i < kVocab; ++i) {
      p.push_back({std::exp((base[i] - max) / c.temperature), i});
      total += p.back().first;
    }
    std::sort(p.begin(), p.end(), [](auto& a, auto& b) { return a.first > b.first; });
    for (auto& [value, id] : p) value /= total;
    size_t keep = p.size();
    if (c.min_p > 0) {
      keep = std::find_if(p.begin(), p.end(),
                          [&](auto& e) { return e.first < c.min_p * p[0].first; }) -
             p.begin();
    }
    double cumulative = 0;
    for (size_t i = 0; c.top_p < 1 && i < keep; ++i) {
      cumulative += p[i].first;
      if (cumulative >= c.top_p) {
        keep = i + 1;
        break;
      }
    }
    std::map<int, double> shares;
    double kept = 0;
    for (size_t i = 0; i < keep; ++i) kept += p[i].first;
    for (size_t i = 0; i < keep; ++i) shares[p[i].second] = p[i].first / kept;
    return shares;
  };
  for (const SamplingConfig c :
       {SamplingConfig{.temperature = 1.0f, .seed = 5},
        SamplingConfig{.temperature = 0.7f, .top_p = 0.9f, .seed = 6},
        SamplingConfig{.temperature = 1.3f, .min_p = 0.05f, .seed = 7},
        SamplingConfig{.temperature = 1.0f, .top_p = 0.8f, .min_p = 0.1f, .seed = 8}}) {
    SCOPED_TRACE(testing::Message()
                 << "T " << c.temperature << ", top_p " << c.top_p << ", min_p " << c.min_p);
    const std::map<int, double> shares = expected(c);
    Sampler sampler(c);
    constexpr int kDraws = 40000;
    std::map<int, int> counts;
    for (int i = 0; i < kDraws; ++i) {
      std::vector<float> logits = base;
      ++counts[sampler.Sample(absl::MakeSpan(logits))];
    }
    for (const auto& [id, count] : counts) {
      ASSERT_TRUE(shares.contains(id)) << "token " << id << " is filtered out";
    }
    for (const auto& [id, share] : shares) {
      // Four standard deviations of a binomial share, and a floor for the rarest.
      const double tolerance = 4 * std::sqrt(share * (1 - share) / kDraws) + 1e-3;
      EXPECT_NEAR(counts[id] / static_cast<double>(kDraws), share, tolerance) << "token " << id;
    }
  }
}

TEST(SamplerTest, AMinPAboveOneStillKeepsTheTopToken) {
  std::vector<float> logits = {0.5f, 3.0f, 1.0f};
  Sampler sampler({.temperature = 1.0f, .min_p = 2.0f});
  EXPECT_EQ(sampler.Sample(absl::MakeSpan(logits)), 1);
}

}  // namespace
}  // namespace llm
