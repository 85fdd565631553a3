// MoeScatterReduce on the GPU against the weighted sum on the CPU (in double), for each
// dtype, through the host permutation, with a poisoned output and a position out of
// range (skipped). Skips visibly without a GPU; the argument checks run anywhere.
#include "kernels/moe/moe_scatter_reduce.h"

#include <cmath>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/common/device.h"
#include "kernels/common/device_buffer.h"
#include "kernels/common/test_element.h"
#include "kernels/moe/moe_reference.h"

namespace llm::kernels {
namespace {

using testing_moe::AlignOnHost;
using testing_moe::DistinctExpertIds;
using testing_moe::ExpertCase;

template <typename T>
class MoeScatterReduceTest : public testing::Test {};

TYPED_TEST_SUITE(MoeScatterReduceTest, ElementTypes);

TYPED_TEST(MoeScatterReduceTest, MatchesCpuWeightedSum) {
  absl::StatusOr<int> devices = CudaDeviceCount();
  if (!devices.ok()) GTEST_SKIP() << "needs a GPU: " << devices.status().message();

  using E = Element<TypeParam>;
  constexpr int64_t kTokens = 37, kHidden = 1003;
  for (const ExpertCase& test : {ExpertCase{8, 2}, ExpertCase{64, 6}}) {
    SCOPED_TRACE(testing::Message() << "experts " << test.experts << " k " << test.k);
    const int64_t k = test.k, assignments = kTokens * k;
    std::mt19937 rng(static_cast<int>(test.experts * 7));
    std::uniform_real_distribution<float> magnitude(0.05f, 3.0f), weight(0.05f, 1.0f);
    std::vector<TypeParam> expert_out(assignments * kHidden);
    for (TypeParam& v : expert_out) v = E::From(RandomSigned(rng, magnitude));
    std::vector<float> weights(assignments);
    for (float& w : weights) w = weight(rng);
    std::vector<int32_t> positions =
        AlignOnHost(DistinctExpertIds(rng, kTokens, test.experts, k), test.experts)
            .assignment_positions;
    positions[3 * k + 1] = -1;  // MoeAlign's mark for an id out of range: contributes nothing.

    absl::StatusOr<DeviceBuffer> d_expert_out =
        DeviceBuffer::FromHost(expert_out.data(), expert_out.size() * sizeof(TypeParam));
    absl::StatusOr<DeviceBuffer> d_positions =
        DeviceBuffer::FromHost(positions.data(), positions.size() * sizeof(int32_t));
    absl::StatusOr<DeviceBuffer> d_weights =
        DeviceBuffer::FromHost(weights.data(), weights.size() * sizeof(float));
    absl::StatusOr<DeviceBuffer> d_out =
        DeviceBuffer::Allocate(kTokens * kHidden * sizeof(TypeParam));
    ASSERT_TRUE(d_expert_out.ok() && d_positions.ok() && d_weights.ok() && d_out.ok());
    ASSERT_TRUE(d_out->Fill(0xff).ok());
    ASSERT_TRUE(MoeScatterReduce(d_expert_out->data(),
                                 static_cast<const int32_t*>(d_positions->data()),
                                 static_cast<const float*>(d_weights->data()), d_out->data(),
                                 kTokens, k, kHidden, E::kDType, nullptr)
                    .ok());
    std::vector<TypeParam> out(kTokens * kHidden);
    ASSERT_TRUE(d_out->CopyToHost(out.data(), d_out->size()).ok());
    for (int64_t t = 0; t < kTokens; ++t) {
      for (int64_t c = 0; c < kHidden; ++c) {
        double expected = 0;
        for (int64_t s = 0; s < k; ++s) {
          const int32_t p = positions[t * k + s];
          if (p < 0) continue;
          expected += static_cast<double>(weights[t * k + s]) * E::To(expert_out[p * kHidden + c]);
        }
        ASSERT_NEAR(E::To(out[t * kHidden + c]), expected,
                    E::kTolerance * (1.0 + std::fabs(expected)))
            << "token " << t << " col " << c;
      }
    }
  }
}

TEST(MoeScatterReduceArgumentsTest, RejectsBadArgumentsWithoutTouchingTheDevice) {
  int dummy = 0;
  const int32_t positions = 0;
  const float weights = 0;
  constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
  auto code = [&](const void* expert_out, const int32_t* p, const float* w, void* out,
                  int64_t tokens, int64_t k, int64_t hidden) {
    return MoeScatterReduce(expert_out, p, w, out, tokens, k, hidden, DType::kF32, nullptr).code();
  };
  EXPECT_EQ(code(nullptr, &positions, &weights, &dummy, 4, 2, 8), kInvalid);
  EXPECT_EQ(code(&dummy, nullptr, &weights, &dummy, 4, 2, 8), kInvalid);
  EXPECT_EQ(code(&dummy, &positions, nullptr, &dummy, 4, 2, 8), kInvalid);
  EXPECT_EQ(code(&dummy, &positions, &weights, nullptr, 4, 2, 8), kInvalid);
  EXPECT_EQ(code(&dummy, &positions, &weights, &dummy, 4, 0, 8), kInvalid);
  EXPECT_EQ(code(&dummy, &positions, &weights, &dummy, 4, 257, 8), kInvalid);  // k > 256
  EXPECT_EQ(code(&dummy, &positions, &weights, &dummy, -1, 2, 8), kInvalid);
  EXPECT_EQ(code(&dummy, &positions, &weights, &dummy, 4, 2, -8), kInvalid);
  EXPECT_EQ(code(&dummy, &positions, &weights, &dummy, int64_t{1} << 30, 2, 8), kInvalid);
}

}  // namespace
}  // namespace llm::kernels
