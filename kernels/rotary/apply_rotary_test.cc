// ApplyRotary on the GPU against the CPU backend's rotation (engine/model/rope.h), for
// each dtype, both pairings, a yarn attention factor and positions up to 5000, on packed
// q and k and on the fused [q | k | v] rows of one Q/K/V product (v left untouched).
// Skips visibly without a GPU.
#include "kernels/rotary/apply_rotary.h"

#include <cmath>
#include <random>
#include <vector>

#include "engine/model/rope.h"
#include "gtest/gtest.h"
#include "kernels/common/device.h"
#include "kernels/common/device_buffer.h"
#include "kernels/common/test_element.h"

namespace llm::kernels {
namespace {

template <typename T>
class ApplyRotaryTest : public testing::Test {};

TYPED_TEST_SUITE(ApplyRotaryTest, ElementTypes);

TYPED_TEST(ApplyRotaryTest, MatchesTheCpuRotation) {
  absl::StatusOr<int> devices = CudaDeviceCount();
  if (!devices.ok()) GTEST_SKIP() << "needs a GPU: " << devices.status().message();

  using E = Element<TypeParam>;
  for (const bool fused : {false, true}) {
    for (const bool adjacent : {false, true}) {
      SCOPED_TRACE(testing::Message() << "fused " << fused << " adjacent " << adjacent);
      constexpr int64_t kTokens = 9, kHeads = 6, kKvHeads = 2, kHeadDim = 64;
      const int64_t q_width = kHeads * kHeadDim, kv_width = kKvHeads * kHeadDim;
      // Packed: q's rows, then k's. Fused: each token's [q | k | v] row, as one Q/K/V
      // product leaves them; v must come through untouched.
      const int64_t stride = fused ? q_width + 2 * kv_width : 0;
      const RotaryShape shape{.tokens = kTokens,
                              .heads = kHeads,
                              .kv_heads = kKvHeads,
                              .head_dim = kHeadDim,
                              .adjacent_pairs = adjacent,
                              .attention_factor = 1.2f,
                              .token_stride = stride};
      auto q_at = [&](int64_t t, int64_t h) {
        return fused ? t * stride + h * kHeadDim : (t * kHeads + h) * kHeadDim;
      };
      auto k_at = [&](int64_t t, int64_t h) {
        return fused ? t * stride + q_width + h * kHeadDim
                     : kTokens * q_width + (t * kKvHeads + h) * kHeadDim;
      };
      const int64_t k_offset = fused ? q_width : kTokens * q_width;
      ModelConfig config;
      config.head_dim = kHeadDim;
      config.rope_theta = 500000.0f;
      const std::vector<float> inv_freq = RopeInvFreq(config, 8192);
      const std::vector<int32_t> positions = {0, 1, 2, 17, 128, 129, 1000, 4095, 5000};
      std::mt19937 rng(3);
      std::uniform_real_distribution<float> value(-2.0f, 2.0f);
      std::vector<TypeParam> all(fused ? kTokens * stride : kTokens * (q_width + kv_width));
      for (TypeParam& v : all) v = E::From(value(rng));

      absl::StatusOr<DeviceBuffer> da =
          DeviceBuffer::FromHost(all.data(), all.size() * sizeof(TypeParam));
      absl::StatusOr<DeviceBuffer> dp =
          DeviceBuffer::FromHost(positions.data(), positions.size() * sizeof(int32_t));
      absl::StatusOr<DeviceBuffer> df =
          DeviceBuffer::FromHost(inv_freq.data(), inv_freq.size() * sizeof(float));
      ASSERT_TRUE(da.ok() && dp.ok() && df.ok());
      auto* base = static_cast<TypeParam*>(da->data());
      ASSERT_TRUE(ApplyRotary(base, base + k_offset, static_cast<const int32_t*>(dp->data()),
                              static_cast<const float*>(df->data()), shape, E::kDType, nullptr)
                      .ok());
      std::vector<TypeParam> got(all.size());
      ASSERT_TRUE(da->CopyToHost(got.data(), da->size()).ok());

      const RopeStyle style = adjacent ? RopeStyle::kAdjacentPairs : RopeStyle::kHalfSplit;
      std::vector<bool> rotated(all.size(), false);
      std::vector<float> cos(kHeadDim / 2), sin(kHeadDim / 2), x(kHeadDim);
      for (int64_t t = 0; t < kTokens; ++t) {
        RopeRotation(positions[t], inv_freq, shape.attention_factor, cos.data(), sin.data());
        for (int64_t h = 0; h < kHeads + kKvHeads; ++h) {
          const int64_t at = h < kHeads ? q_at(t, h) : k_at(t, h - kHeads);
          for (int64_t d = 0; d < kHeadDim; ++d) x[d] = E::To(all[at + d]);
          ApplyRope(x.data(), kHeadDim, style, cos.data(), sin.data());
          for (int64_t d = 0; d < kHeadDim; ++d) {
            rotated[at + d] = true;
            ASSERT_NEAR(E::To(got[at + d]), x[d], 4 * E::kTolerance * (1.0f + std::fabs(x[d])))
                << "token " << t << " head " << h << " dim " << d;
          }
        }
      }
      for (size_t i = 0; i < all.size(); ++i) {
        if (!rotated[i]) {
          ASSERT_EQ(E::To(got[i]), E::To(all[i])) << "element " << i;
        }
      }
    }
  }
}

TEST(ApplyRotaryArgumentsTest, RejectsAnOddHeadDimWithoutTouchingTheDevice) {
  int dummy = 0;
  float freq = 1.0f;
  const RotaryShape shape{.tokens = 1, .heads = 1, .kv_heads = 1, .head_dim = 7};
  EXPECT_EQ(ApplyRotary(&dummy, &dummy, &dummy, &freq, shape, DType::kF32, nullptr).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace llm::kernels
