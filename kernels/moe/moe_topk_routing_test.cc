// MoeTopKRouting on the GPU against softmax and a stable sort on the CPU (in double), for
// Mixtral-like (8 experts, k 2), Qwen-MoE-like (64, 6) and the widest (256) routers, with
// and without renormalization, on random logits with ties, -inf and NaN, and poisoned
// outputs. Skips visibly without a GPU; the argument checks run anywhere.
#include "kernels/moe/moe_topk_routing.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/common/device.h"
#include "kernels/common/device_buffer.h"
#include "kernels/moe/moe_reference.h"

namespace llm::kernels {
namespace {

using testing_moe::HostRouting;
using testing_moe::RouteOnHost;

struct Case {
  int64_t experts;
  int64_t k;
};

TEST(MoeTopKRoutingTest, MatchesCpuSoftmaxAndStableTopK) {
  absl::StatusOr<int> devices = CudaDeviceCount();
  if (!devices.ok()) GTEST_SKIP() << "needs a GPU: " << devices.status().message();

  // 37 tokens: not a multiple of the 4 warps of a block.
  constexpr int64_t kTokens = 37;
  for (const Case& test : {Case{8, 2}, Case{64, 6}, Case{256, 8}, Case{8, 8}, Case{40, 33}}) {
    for (const bool renormalize : {false, true}) {
      SCOPED_TRACE(testing::Message() << "experts " << test.experts << " k " << test.k
                                      << " renormalize " << renormalize);
      const int64_t experts = test.experts, k = test.k;
      std::mt19937 rng(static_cast<int>(experts * 100 + k));
      std::uniform_real_distribution<float> logit(-4.0f, 4.0f);
      std::vector<float> logits(kTokens * experts);
      for (float& v : logits) v = logit(rng);
      for (int64_t t = 0; t < kTokens; t += 4) {
        // Whole numbers in [-2, 2]: many ties, which go to the lower expert id.
        for (int64_t e = 0; e < experts; ++e) {
          logits[t * experts + e] = std::round(logits[t * experts + e] / 2.0f);
        }
      }
      // A masked expert and a NaN (which counts as -inf) in one token.
      logits[5 * experts + 1] = -std::numeric_limits<float>::infinity();
      logits[5 * experts + experts - 1] = std::numeric_limits<float>::quiet_NaN();
      const HostRouting expected = RouteOnHost(logits, kTokens, experts, k, renormalize);

      absl::StatusOr<DeviceBuffer> d_logits =
          DeviceBuffer::FromHost(logits.data(), logits.size() * sizeof(float));
      absl::StatusOr<DeviceBuffer> d_ids = DeviceBuffer::Allocate(kTokens * k * sizeof(int32_t));
      absl::StatusOr<DeviceBuffer> d_weights = DeviceBuffer::Allocate(kTokens * k * sizeof(float));
      ASSERT_TRUE(d_logits.ok() && d_ids.ok() && d_weights.ok());
      ASSERT_TRUE(d_ids->Fill(0xff).ok() && d_weights->Fill(0xff).ok());
      ASSERT_TRUE(MoeTopKRouting(static_cast<const float*>(d_logits->data()),
                                 static_cast<int32_t*>(d_ids->data()),
                                 static_cast<float*>(d_weights->data()), kTokens, experts, k,
                                 renormalize, nullptr)
                      .ok());
      std::vector<int32_t> ids(kTokens * k);
      std::vector<float> weights(kTokens * k);
      ASSERT_TRUE(d_ids->CopyToHost(ids.data(), d_ids->size()).ok());
      ASSERT_TRUE(d_weights->CopyToHost(weights.data(), d_weights->size()).ok());

      for (int64_t t = 0; t < kTokens; ++t) {
        double sum = 0;
        for (int64_t s = 0; s < k; ++s) {
          ASSERT_EQ(ids[t * k + s], expected.expert_ids[t * k + s])
              << "token " << t << " slot " << s;
          // fp32 softmax: a few ulp relative to the weight, however small it is.
          ASSERT_NEAR(weights[t * k + s], expected.weights[t * k + s],
                      1e-5 * expected.weights[t * k + s] + 1e-12)
              << "token " << t << " slot " << s;
          sum += weights[t * k + s];
        }
        if (renormalize) {
          EXPECT_NEAR(sum, 1.0, 1e-5) << "token " << t;
        }
      }
    }
  }
}

TEST(MoeTopKRoutingTest, NoTokensIsANoOp) {
  int32_t ids = 0;
  float logits = 0, weights = 0;
  EXPECT_TRUE(MoeTopKRouting(&logits, &ids, &weights, 0, 8, 2, true, nullptr).ok());
}

TEST(MoeTopKRoutingArgumentsTest, RejectsBadArgumentsWithoutTouchingTheDevice) {
  float logits = 0, weights = 0;
  int32_t ids = 0;
  auto code = [&](const float* l, int32_t* i, float* w, int64_t tokens, int64_t experts,
                  int64_t k) {
    return MoeTopKRouting(l, i, w, tokens, experts, k, true, nullptr).code();
  };
  constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
  EXPECT_EQ(code(nullptr, &ids, &weights, 4, 8, 2), kInvalid);
  EXPECT_EQ(code(&logits, nullptr, &weights, 4, 8, 2), kInvalid);
  EXPECT_EQ(code(&logits, &ids, nullptr, 4, 8, 2), kInvalid);
  EXPECT_EQ(code(&logits, &ids, &weights, 4, 8, 9), kInvalid);    // k > experts
  EXPECT_EQ(code(&logits, &ids, &weights, 4, 8, 0), kInvalid);    // k < 1
  EXPECT_EQ(code(&logits, &ids, &weights, 4, 0, 0), kInvalid);    // no experts
  EXPECT_EQ(code(&logits, &ids, &weights, 4, 257, 2), kInvalid);  // experts > 256
  EXPECT_EQ(code(&logits, &ids, &weights, -1, 8, 2), kInvalid);
  EXPECT_EQ(code(&logits, &ids, &weights, int64_t{1} << 30, 8, 2), kInvalid);  // tokens * k
}

}  // namespace
}  // namespace llm::kernels
