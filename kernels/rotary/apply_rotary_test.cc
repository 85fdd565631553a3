// ApplyRotary on the GPU against the CPU backend's rotation (engine/model/rope.h), for
// each dtype, both pairings, a yarn attention factor and positions up to 5000. Skips
// visibly without a GPU.
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
  for (const bool adjacent : {false, true}) {
    const RotaryShape shape{.tokens = 9,
                            .heads = 6,
                            .kv_heads = 2,
                            .head_dim = 64,
                            .adjacent_pairs = adjacent,
                            .attention_factor = 1.2f};
    ModelConfig config;
    config.head_dim = shape.head_dim;
    config.rope_theta = 500000.0f;
    const std::vector<float> inv_freq = RopeInvFreq(config, 8192);
    const std::vector<int32_t> positions = {0, 1, 2, 17, 128, 129, 1000, 4095, 5000};
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> value(-2.0f, 2.0f);
    std::vector<TypeParam> q(shape.tokens * shape.heads * shape.head_dim);
    std::vector<TypeParam> k(shape.tokens * shape.kv_heads * shape.head_dim);
    for (TypeParam& v : q) v = E::From(value(rng));
    for (TypeParam& v : k) v = E::From(value(rng));

    absl::StatusOr<DeviceBuffer> dq = DeviceBuffer::Allocate(q.size() * sizeof(TypeParam));
    absl::StatusOr<DeviceBuffer> dk = DeviceBuffer::Allocate(k.size() * sizeof(TypeParam));
    absl::StatusOr<DeviceBuffer> dp = DeviceBuffer::Allocate(positions.size() * sizeof(int32_t));
    absl::StatusOr<DeviceBuffer> df = DeviceBuffer::Allocate(inv_freq.size() * sizeof(float));
    ASSERT_TRUE(dq.ok() && dk.ok() && dp.ok() && df.ok());
    ASSERT_TRUE(dq->CopyFromHost(q.data(), dq->size()).ok());
    ASSERT_TRUE(dk->CopyFromHost(k.data(), dk->size()).ok());
    ASSERT_TRUE(dp->CopyFromHost(positions.data(), dp->size()).ok());
    ASSERT_TRUE(df->CopyFromHost(inv_freq.data(), df->size()).ok());
    ASSERT_TRUE(ApplyRotary(dq->data(), dk->data(), static_cast<const int32_t*>(dp->data()),
                            static_cast<const float*>(df->data()), shape, E::kDType, nullptr)
                    .ok());
    std::vector<TypeParam> got_q(q.size()), got_k(k.size());
    ASSERT_TRUE(dq->CopyToHost(got_q.data(), dq->size()).ok());
    ASSERT_TRUE(dk->CopyToHost(got_k.data(), dk->size()).ok());

    const RopeStyle style = adjacent ? RopeStyle::kAdjacentPairs : RopeStyle::kHalfSplit;
    auto check = [&](const std::vector<TypeParam>& in, const std::vector<TypeParam>& out,
                     int64_t heads) {
      std::vector<float> cos(shape.head_dim / 2), sin(shape.head_dim / 2), x(shape.head_dim);
      for (int64_t t = 0; t < shape.tokens; ++t) {
        RopeRotation(positions[t], inv_freq, shape.attention_factor, cos.data(), sin.data());
        for (int64_t h = 0; h < heads; ++h) {
          const int64_t at = (t * heads + h) * shape.head_dim;
          for (int64_t d = 0; d < shape.head_dim; ++d) x[d] = E::To(in[at + d]);
          ApplyRope(x.data(), shape.head_dim, style, cos.data(), sin.data());
          for (int64_t d = 0; d < shape.head_dim; ++d) {
            ASSERT_NEAR(E::To(out[at + d]), x[d], 4 * E::kTolerance * (1.0f + std::fabs(x[d])))
                << "token " << t << " head " << h << " dim " << d;
          }
        }
      }
    };
    check(q, got_q, shape.heads);
    check(k, got_k, shape.kv_heads);
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
