// SampleTokens on the GPU against a double-precision reference of the same semantics (the
// CPU Sampler's, engine/sampling/sampler.cc, with the cumulative distribution walked in id
// order and cuts inside groups of equal logits keeping the lowest ids), on fresh random
// non-zero logits: greedy, temperature only, top-k, top-p, min-p and combined rows, rows of
// tied logits, -inf logits, and rows with bad parameters; outputs poisoned first. Cut
// thresholds sit mid-way between neighbouring tokens and each u at least 1e-5 from every
// boundary of the reference's CDF, so float rounding cannot flip a choice and tokens must
// match exactly. The argument checks run without a GPU; the rest skips visibly.
#include "kernels/sampling/sample_tokens.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/common/device.h"
#include "kernels/common/device_buffer.h"

namespace llm::kernels {
namespace {

// How far a threshold or u must sit from the nearest boundary of the reference (in
// probability, relative for min-p): well above the kernel's float rounding (~1e-6).
constexpr double kMargin = 1e-5;

template <typename T>
absl::StatusOr<DeviceBuffer> Upload(const std::vector<T>& host) {
  return DeviceBuffer::FromHost(host.data(), host.size() * sizeof(T));
}

// Token ids most likely first, ties by lower id: every cut keeps a prefix of this.
std::vector<int32_t> RankOrder(const float* logits, int64_t vocab) {
  std::vector<int32_t> order(vocab);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int32_t a, int32_t b) { return logits[a] > logits[b]; });
  return order;
}

int64_t TopKSize(const SamplingParams& p, int64_t vocab) {
  return p.top_k > 0 ? std::min<int64_t>(p.top_k, vocab) : vocab;
}

// exp((x - max) / T) of the top-k set in rank order: probabilities relative to the top one.
std::vector<double> RelativeProbs(const float* logits, const std::vector<int32_t>& order,
                                  const SamplingParams& p, int64_t vocab) {
  std::vector<double> q(TopKSize(p, vocab));
  const double max = logits[order[0]];
  for (size_t j = 0; j < q.size(); ++j) q[j] = std::exp((logits[order[j]] - max) / p.temperature);
  return q;
}

// The kept tokens of a sampled row by id, with their renormalized probabilities: the CPU
// Sampler's cuts (top-k, then min-p and top-p over probabilities normalized on the top-k
// set), in double.
std::vector<std::pair<int32_t, double>> KeptTokens(const float* logits, int64_t vocab,
                                                   const SamplingParams& p) {
  const std::vector<int32_t> order = RankOrder(logits, vocab);
  const std::vector<double> q = RelativeProbs(logits, order, p, vocab);
  const double z = std::accumulate(q.begin(), q.end(), 0.0);
  size_t keep = q.size();
  if (p.min_p > 0.0f) {
    keep = std::find_if(q.begin(), q.end(), [&](double v) { return v < p.min_p; }) - q.begin();
  }
  if (p.top_p < 1.0f) {
    double cumulative = 0.0;
    for (size_t j = 0; j < keep; ++j) {
      cumulative += q[j] / z;
      if (cumulative >= p.top_p) {
        keep = j + 1;
        break;
      }
    }
  }
  keep = std::max<size_t>(keep, 1);
  std::vector<std::pair<int32_t, double>> kept;
  double total = 0.0;
  for (size_t j = 0; j < keep; ++j) {
    kept.emplace_back(order[j], q[j]);
    total += q[j];
  }
  std::sort(kept.begin(), kept.end());
  for (auto& [id, prob] : kept) prob /= total;
  return kept;
}

// The token where u falls in the cumulative distribution of `kept` (id order); `margin`
// gets the distance from u to the nearest boundary.
int32_t Draw(const std::vector<std::pair<int32_t, double>>& kept, double u, double* margin) {
  double cumulative = 0.0;
  *margin = u;
  int32_t token = -1;
  for (const auto& [id, prob] : kept) {
    cumulative += prob;
    *margin = std::min(*margin, std::fabs(cumulative - u));
    if (token < 0 && u < cumulative) token = id;
  }
  return token < 0 ? kept.back().first : token;
}

// A top_p that keeps the smallest prefix reaching `nominal`, placed mid-way between that
// prefix's mass and the one before it (moving on to the next prefix when they are closer
// than 2 * kMargin).
float DesignTopP(const float* logits, int64_t vocab, const SamplingParams& p, double nominal) {
  const std::vector<double> q = RelativeProbs(logits, RankOrder(logits, vocab), p, vocab);
  const double z = std::accumulate(q.begin(), q.end(), 0.0);
  double before = 0.0;
  for (double v : q) {
    const double after = before + v / z;
    if (after >= nominal && after - before > 2 * kMargin && after < 1.0 - kMargin) {
      return static_cast<float>((before + after) / 2);
    }
    before = after;
  }
  ADD_FAILURE() << "no top_p near " << nominal;
  return 1.0f;
}

// A min_p that keeps about `fraction` of the top-k set: placed at the geometric mean of the
// relative probabilities of the last kept and first dropped token, whose ratio must exceed
// 1 + 4 * kMargin (moving on down the ranking until it does).
float DesignMinP(const float* logits, int64_t vocab, const SamplingParams& p, double fraction) {
  const std::vector<double> q = RelativeProbs(logits, RankOrder(logits, vocab), p, vocab);
  for (size_t j = std::max<size_t>(1, fraction * q.size()); j < q.size(); ++j) {
    if (q[j - 1] > q[j] * (1.0 + 4 * kMargin)) {
      return static_cast<float>(std::sqrt(q[j - 1] * q[j]));
    }
  }
  ADD_FAILURE() << "no min_p keeping " << fraction;
  return 0.0f;
}

double LogSoftmax(const float* logits, int64_t vocab, int32_t token) {
  const double max = *std::max_element(logits, logits + vocab);
  double sum = 0.0;
  for (int64_t i = 0; i < vocab; ++i) sum += std::exp(logits[i] - max);
  return logits[token] - max - std::log(sum);
}

class SampleTokensTest : public testing::TestWithParam<int64_t> {};

TEST_P(SampleTokensTest, MatchesTheReference) {
  absl::StatusOr<int> devices = CudaDeviceCount();
  if (!devices.ok()) GTEST_SKIP() << "needs a GPU: " << devices.status().message();

  const int64_t vocab = GetParam();
  const int32_t v32 = static_cast<int32_t>(vocab);
  std::vector<SamplingParams> params = {
      {.temperature = 0.0f},                       // 0: greedy.
      {.temperature = 0.8f, .top_k = 1},           // 1: greedy by top-k.
      {.temperature = 1.0f},                       // 2: temperature only.
      {.temperature = 0.6f},                       // 3: with -inf logits.
      {.temperature = 1.4f},                       // 4
      {.temperature = 0.9f, .top_k = 40},          // 5: top-k.
      {.temperature = 1.2f, .top_k = 1000},        // 6
      {.temperature = 1.0f, .top_k = v32 - 1},     // 7
      {.temperature = 1.0f, .top_k = v32 + 5},     // 8: top-k past the vocabulary.
      {.temperature = 1.0f},                       // 9: top-p ~0.9.
      {.temperature = 0.7f},                       // 10: top-p ~0.5.
      {.temperature = 1.0f},                       // 11: min-p keeping ~5%.
      {.temperature = 1.3f},                       // 12: min-p keeping ~30%.
      {.temperature = 0.8f, .top_k = 200},         // 13: top-k, top-p, min-p.
      {.temperature = 1.1f, .top_k = 3000},        // 14: top-k, top-p, min-p.
      {.temperature = 1e-3f},                      // 15: nearly greedy, sampled.
      {.temperature = 1.0f, .top_k = 100},         // 16: ties cut by top-k.
      {.temperature = 1.0f},                       // 17: ties cut by top-p.
      {.temperature = 1.0f, .min_p = 0.7f},        // 18: ties, min-p between levels.
      {.temperature = 0.9f, .top_k = 10},          // 19: all equal, top-k.
      {.temperature = 1.0f},                       // 20: all equal, top-p.
      {.temperature = 1.0f, .top_p = 0.0f},        // 21: bad top_p: token -1.
      {.temperature = 1.0f},                       // 22: bad u: token -1.
      {.temperature = 0.0f},                       // 23: greedy ignores u (NaN).
      {.temperature = 1.0f, .top_k = -3},          // 24: bad top_k: token -1.
      {.temperature = std::nanf(""), .top_k = 0},  // 25: bad temperature: token -1.
  };
  const int64_t rows = static_cast<int64_t>(params.size());
  std::mt19937 rng(2024 + static_cast<uint32_t>(vocab));
  // Gaussian logits put most of the mass on a head of tokens, as language models do, so
  // that tokens near the top-p cut stay far above kMargin even at 128K tokens.
  std::normal_distribution<float> normal(0.0f, 3.0f);
  std::uniform_real_distribution<float> magnitude(0.05f, 6.0f);
  std::vector<float> logits(rows * vocab);
  for (float& x : logits) {
    x = normal(rng);
    if (x == 0.0f) x = 1.0f;  // Non-zero.
  }
  auto row = [&](int64_t r) { return logits.data() + r * vocab; };
  for (int i = 0; i < 10; ++i) row(3)[rng() % vocab] = -std::numeric_limits<float>::infinity();
  // Tied rows: the first kTied ids carry nearly all the mass, in 7 levels of equal logits
  // (rows 16 to 18) or one (rows 19 and 20), so that a tied token's probability stays well
  // above kMargin whatever the vocabulary.
  constexpr int64_t kTied = 2800;
  for (int64_t r : {16, 17, 18, 19, 20}) {
    for (int64_t i = 0; i < vocab; ++i) {
      row(r)[i] = i >= kTied ? -8.0f - magnitude(rng)
                  : r <= 18  ? 0.25f * static_cast<float>(i % 7) - 1.0f
                             : 0.5f;
    }
  }

  params[9].top_p = DesignTopP(row(9), vocab, params[9], 0.9);
  params[10].top_p = DesignTopP(row(10), vocab, params[10], 0.5);
  params[11].min_p = DesignMinP(row(11), vocab, params[11], 0.05);
  params[12].min_p = DesignMinP(row(12), vocab, params[12], 0.3);
  params[13].top_p = DesignTopP(row(13), vocab, params[13], 0.8);
  params[13].min_p = DesignMinP(row(13), vocab, params[13], 0.4);
  params[14].top_p = DesignTopP(row(14), vocab, params[14], 0.95);
  params[14].min_p = DesignMinP(row(14), vocab, params[14], 0.9);
  params[17].top_p = DesignTopP(row(17), vocab, params[17], 0.3);
  params[20].top_p = DesignTopP(row(20), vocab, params[20], 0.25);
  const std::vector<bool> valid = [&] {
    std::vector<bool> v(rows, true);
    for (int64_t r : {21, 22, 24, 25}) v[r] = false;
    return v;
  }();
  for (int64_t r = 0; r < rows; ++r) {
    EXPECT_EQ(CheckSamplingParams(&params[r], 1).ok(), valid[r] || r == 22) << "row " << r;
  }

  // u per row, away from the reference's CDF boundaries.
  std::vector<float> uniforms(rows);
  std::vector<int32_t> expected(rows, -1);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  for (int64_t r = 0; r < rows; ++r) {
    const SamplingParams& p = params[r];
    if (!valid[r]) {
      uniforms[r] = r == 22 ? 1.5f : 0.5f;
      continue;
    }
    if (p.temperature <= 0.0f || p.top_k == 1) {
      uniforms[r] = r == 23 ? std::nanf("") : uniform(rng);
      expected[r] = RankOrder(row(r), vocab)[0];
      continue;
    }
    const std::vector<std::pair<int32_t, double>> kept = KeptTokens(row(r), vocab, p);
    double margin = 0.0;
    for (int attempt = 0; attempt < 1000 && margin < kMargin; ++attempt) {
      uniforms[r] = uniform(rng);
      if (uniforms[r] >= 1.0f) continue;
      expected[r] = Draw(kept, uniforms[r], &margin);
    }
    ASSERT_GE(margin, kMargin) << "row " << r << ": no u away from the boundaries";
  }
  EXPECT_EQ(KeptTokens(row(16), vocab, params[16]).back().first, 6 + 7 * 99);
  EXPECT_EQ(KeptTokens(row(18), vocab, params[18]).size(), 2 * kTied / 7);
  EXPECT_EQ(KeptTokens(row(19), vocab, params[19]).back().first, 9);

  absl::StatusOr<DeviceBuffer> d_logits = Upload(logits), d_params = Upload(params);
  absl::StatusOr<DeviceBuffer> d_uniforms = Upload(uniforms);
  absl::StatusOr<DeviceBuffer> d_tokens = DeviceBuffer::Allocate(rows * sizeof(int32_t));
  absl::StatusOr<DeviceBuffer> d_logprobs = DeviceBuffer::Allocate(rows * sizeof(float));
  ASSERT_TRUE(d_logits.ok() && d_params.ok() && d_uniforms.ok() && d_tokens.ok() &&
              d_logprobs.ok());
  std::vector<int32_t> tokens[2];
  std::vector<float> logprobs[2];
  for (int run = 0; run < 2; ++run) {
    // 0x5a5a5a5a is no token id (and not -1); 0xff bytes are a NaN.
    ASSERT_TRUE(d_tokens->Fill(0x5a).ok());
    ASSERT_TRUE(d_logprobs->Fill(0xff).ok());
    ASSERT_TRUE(SampleTokens(static_cast<const float*>(d_logits->data()), rows, vocab,
                             static_cast<const SamplingParams*>(d_params->data()),
                             static_cast<const float*>(d_uniforms->data()),
                             static_cast<int32_t*>(d_tokens->data()),
                             static_cast<float*>(d_logprobs->data()), nullptr)
                    .ok());
    tokens[run].resize(rows);
    logprobs[run].resize(rows);
    ASSERT_TRUE(d_tokens->CopyToHost(tokens[run].data(), d_tokens->size()).ok());
    ASSERT_TRUE(d_logprobs->CopyToHost(logprobs[run].data(), d_logprobs->size()).ok());
  }

  for (int64_t r = 0; r < rows; ++r) {
    EXPECT_EQ(tokens[0][r], expected[r]) << "row " << r << " u " << uniforms[r];
    if (!valid[r]) {
      EXPECT_TRUE(std::isnan(logprobs[0][r])) << "row " << r;
    } else if (tokens[0][r] >= 0 && tokens[0][r] < vocab) {
      const double reference = LogSoftmax(row(r), vocab, tokens[0][r]);
      EXPECT_NEAR(logprobs[0][r], reference, 1e-4 * (1.0 + std::fabs(reference))) << "row " << r;
    }
  }
  // Same inputs, same bits.
  EXPECT_EQ(tokens[0], tokens[1]);
  EXPECT_EQ(std::memcmp(logprobs[0].data(), logprobs[1].data(), rows * sizeof(float)), 0);
}

INSTANTIATE_TEST_SUITE_P(Vocabularies, SampleTokensTest, testing::Values(5003, 32000, 128256));

TEST(SampleTokensArgumentsTest, RejectsBadArgumentsWithoutTouchingTheDevice) {
  // Host addresses stand in for device pointers: nothing may be launched or read.
  float logits = 0.0f, uniform = 0.5f, logprob = 0.0f;
  SamplingParams params;
  int32_t token = 0;
  auto code = [](absl::Status status) { return status.code(); };
  constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
  EXPECT_EQ(code(SampleTokens(nullptr, 1, 8, &params, &uniform, &token, &logprob, nullptr)),
            kInvalid);
  EXPECT_EQ(code(SampleTokens(&logits, 1, 8, nullptr, &uniform, &token, &logprob, nullptr)),
            kInvalid);
  EXPECT_EQ(code(SampleTokens(&logits, 1, 8, &params, nullptr, &token, &logprob, nullptr)),
            kInvalid);
  EXPECT_EQ(code(SampleTokens(&logits, 1, 8, &params, &uniform, nullptr, &logprob, nullptr)),
            kInvalid);
  EXPECT_EQ(code(SampleTokens(&logits, 1, 0, &params, &uniform, &token, &logprob, nullptr)),
            kInvalid);
  EXPECT_EQ(code(SampleTokens(&logits, -1, 8, &params, &uniform, &token, &logprob, nullptr)),
            kInvalid);
  EXPECT_EQ(code(SampleTokens(&logits, 1, int64_t{1} << 31, &params, &uniform, &token, &logprob,
                              nullptr)),
            kInvalid);
  // No rows is no work: nothing is launched.
  EXPECT_TRUE(SampleTokens(&logits, 0, 8, &params, &uniform, &token, nullptr, nullptr).ok());
}

TEST(SampleTokensArgumentsTest, ChecksParameterRanges) {
  auto check = [](SamplingParams p) { return CheckSamplingParams(&p, 1).code(); };
  constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
  constexpr absl::StatusCode kOk = absl::StatusCode::kOk;
  const float nan = std::nanf(""), inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(check({}), kOk);
  EXPECT_EQ(check({.temperature = 0.0f}), kOk);
  EXPECT_EQ(check({.temperature = -1.0f}), kOk);  // Greedy, as on the CPU.
  EXPECT_EQ(check({.top_k = 50, .top_p = 1.0f, .min_p = 1.0f}), kOk);
  EXPECT_EQ(check({.top_p = 0.0f}), kInvalid);
  EXPECT_EQ(check({.top_p = -0.5f}), kInvalid);
  EXPECT_EQ(check({.top_p = 1.01f}), kInvalid);
  EXPECT_EQ(check({.top_p = nan}), kInvalid);
  EXPECT_EQ(check({.min_p = -0.1f}), kInvalid);
  EXPECT_EQ(check({.min_p = 1.5f}), kInvalid);
  EXPECT_EQ(check({.min_p = nan}), kInvalid);
  EXPECT_EQ(check({.top_k = -1}), kInvalid);
  EXPECT_EQ(check({.temperature = nan}), kInvalid);
  EXPECT_EQ(check({.temperature = inf}), kInvalid);
  EXPECT_EQ(CheckSamplingParams(nullptr, 1).code(), kInvalid);
  EXPECT_EQ(CheckSamplingParams(nullptr, 0).code(), kOk);
  // The failing row is named.
  const SamplingParams batch[3] = {{}, {}, {.top_p = 2.0f}};
  EXPECT_NE(CheckSamplingParams(batch, 3).message().find("row 2"), std::string::npos);
}

}  // namespace
}  // namespace llm::kernels
