// ApplyPenalties on the GPU against the CPU's TokenCounts::ApplyPenalties (bit for bit,
// as both round the same operations) and a double-precision reference, on random non-zero
// logits with random counts: prompt only, generated only, both, neither, ids outside the
// vocabulary, an empty row, and each penalty alone, together and off. Skips visibly
// without a GPU.
#include "kernels/sampling/apply_penalties.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>
#include <vector>

#include "engine/sampling/logits_processor.h"
#include "gtest/gtest.h"
#include "kernels/common/device.h"
#include "kernels/common/device_buffer.h"
#include "kernels/common/test_element.h"

namespace llm::kernels {
namespace {

template <typename T>
absl::StatusOr<DeviceBuffer> Upload(const std::vector<T>& host) {
  return DeviceBuffer::FromHost(host.data(), host.size() * sizeof(T));
}

// The penalties in double, from the counts of one token.
double ReferencePenalty(double x, const TokenCount& c, const PenaltyParams& p) {
  if (c.prompt <= 0 && c.generated <= 0) return x;
  if (p.repetition != 1.0f) x = x > 0 ? x / p.repetition : x * p.repetition;
  if (c.generated > 0) x -= static_cast<double>(p.frequency) * c.generated + p.presence;
  return x;
}

class ApplyPenaltiesTest : public testing::TestWithParam<int64_t> {};

TEST_P(ApplyPenaltiesTest, MatchesTheCpuPenalties) {
  absl::StatusOr<int> devices = CudaDeviceCount();
  if (!devices.ok()) GTEST_SKIP() << "needs a GPU: " << devices.status().message();

  const int64_t vocab = GetParam();
  const std::vector<PenaltyParams> params = {
      {},  // All off: the row stays as it is.
      {.repetition = 1.3f},
      {.repetition = 0.8f},  // Below 1 favours repeats.
      {.presence = 0.5f},
      {.frequency = 0.25f},
      {.presence = -0.4f, .frequency = 0.1f},
      {.repetition = 1.2f, .presence = 0.6f, .frequency = 0.3f},
      {.repetition = 1.1f, .presence = 0.2f, .frequency = 0.7f},  // No entries.
      {.repetition = 1.7f, .presence = 1.5f, .frequency = 0.05f},
  };
  const int64_t rows = static_cast<int64_t>(params.size());
  std::mt19937 rng(4321);
  std::uniform_real_distribution<float> magnitude(0.05f, 8.0f);
  std::vector<float> logits(rows * vocab);
  for (float& x : logits) x = RandomSigned(rng, magnitude);

  // Each row: distinct ids, mostly in the vocabulary, with counts 0 to 4 of each kind.
  std::vector<int32_t> offsets = {0};
  std::vector<TokenCount> counts;
  std::vector<int32_t> ids(vocab);
  std::iota(ids.begin(), ids.end(), 0);
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t n = r == 7 ? 0 : 1 + rng() % 700;
    std::shuffle(ids.begin(), ids.end(), rng);
    std::vector<TokenCount> row;
    for (int64_t e = 0; e < n; ++e) {
      const int32_t prompt = rng() % 3 == 0 ? 0 : rng() % 5;
      const int32_t generated = rng() % 3 == 0 ? 0 : rng() % 5;
      row.push_back({.token = ids[e], .prompt = prompt, .generated = generated});
    }
    if (n > 0) {
      for (int32_t outside :
           {-5, -1, static_cast<int32_t>(vocab), static_cast<int32_t>(vocab + 9)}) {
        row.push_back({.token = outside, .prompt = 2, .generated = 3});
      }
    }
    std::shuffle(row.begin(), row.end(), rng);
    counts.insert(counts.end(), row.begin(), row.end());
    offsets.push_back(static_cast<int32_t>(counts.size()));
  }

  absl::StatusOr<DeviceBuffer> d_logits = Upload(logits), d_offsets = Upload(offsets);
  absl::StatusOr<DeviceBuffer> d_counts = Upload(counts), d_params = Upload(params);
  ASSERT_TRUE(d_logits.ok() && d_offsets.ok() && d_counts.ok() && d_params.ok());
  ASSERT_TRUE(ApplyPenalties(static_cast<float*>(d_logits->data()), rows, vocab,
                             static_cast<const int32_t*>(d_offsets->data()),
                             static_cast<const TokenCount*>(d_counts->data()),
                             static_cast<const PenaltyParams*>(d_params->data()), nullptr)
                  .ok());
  std::vector<float> result(logits.size());
  ASSERT_TRUE(d_logits->CopyToHost(result.data(), d_logits->size()).ok());

  for (int64_t r = 0; r < rows; ++r) {
    TokenCounts cpu_counts;
    std::vector<double> reference(logits.begin() + r * vocab, logits.begin() + (r + 1) * vocab);
    for (int32_t e = offsets[r]; e < offsets[r + 1]; ++e) {
      const TokenCount& c = counts[e];
      for (int32_t i = 0; i < c.prompt; ++i) cpu_counts.AddPrompt(c.token);
      for (int32_t i = 0; i < c.generated; ++i) cpu_counts.AddGenerated(c.token);
      if (c.token >= 0 && c.token < vocab) {
        reference[c.token] = ReferencePenalty(reference[c.token], c, params[r]);
      }
    }
    std::vector<float> cpu(logits.begin() + r * vocab, logits.begin() + (r + 1) * vocab);
    cpu_counts.ApplyPenalties({.repetition = params[r].repetition,
                               .presence = params[r].presence,
                               .frequency = params[r].frequency},
                              absl::MakeSpan(cpu));
    for (int64_t v = 0; v < vocab; ++v) {
      const float got = result[r * vocab + v];
      ASSERT_EQ(std::memcmp(&got, &cpu[v], sizeof(float)), 0)
          << "row " << r << " token " << v << ": " << got << " vs the CPU's " << cpu[v];
      ASSERT_NEAR(got, reference[v], 1e-5 * (1.0 + std::fabs(reference[v])))
          << "row " << r << " token " << v;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Vocabularies, ApplyPenaltiesTest, testing::Values(5003, 32000));

TEST(ApplyPenaltiesArgumentsTest, RejectsBadArgumentsWithoutTouchingTheDevice) {
  // Host addresses stand in for device pointers: nothing may be launched or read.
  float logits = 0.0f;
  int32_t offsets[2] = {0, 0};
  TokenCount counts;
  PenaltyParams params;
  auto code = [](absl::Status status) { return status.code(); };
  constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
  EXPECT_EQ(code(ApplyPenalties(nullptr, 1, 8, offsets, &counts, &params, nullptr)), kInvalid);
  EXPECT_EQ(code(ApplyPenalties(&logits, 1, 8, nullptr, &counts, &params, nullptr)), kInvalid);
  EXPECT_EQ(code(ApplyPenalties(&logits, 1, 8, offsets, nullptr, &params, nullptr)), kInvalid);
  EXPECT_EQ(code(ApplyPenalties(&logits, 1, 8, offsets, &counts, nullptr, nullptr)), kInvalid);
  EXPECT_EQ(code(ApplyPenalties(&logits, 1, 0, offsets, &counts, &params, nullptr)), kInvalid);
  EXPECT_EQ(code(ApplyPenalties(&logits, -1, 8, offsets, &counts, &params, nullptr)), kInvalid);
  EXPECT_EQ(code(ApplyPenalties(&logits, 1, int64_t{1} << 32, offsets, &counts, &params, nullptr)),
            kInvalid);
  // No rows is no work: nothing is launched.
  EXPECT_TRUE(ApplyPenalties(&logits, 0, 8, offsets, &counts, &params, nullptr).ok());
}

}  // namespace
}  // namespace llm::kernels
