// MoeGather on the GPU against a host gather through the host permutation, for each
// dtype, with a poisoned output and an assignment out of range (a zero row). Skips
// visibly without a GPU; the argument checks run anywhere.
#include "kernels/moe/moe_gather.h"

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
class MoeGatherTest : public testing::Test {};

TYPED_TEST_SUITE(MoeGatherTest, ElementTypes);

TYPED_TEST(MoeGatherTest, CopiesTheRowsOfThePermutation) {
  absl::StatusOr<int> devices = CudaDeviceCount();
  if (!devices.ok()) GTEST_SKIP() << "needs a GPU: " << devices.status().message();

  using E = Element<TypeParam>;
  constexpr int64_t kTokens = 37, kHidden = 1003;
  for (const ExpertCase& test : {ExpertCase{8, 2}, ExpertCase{64, 6}}) {
    SCOPED_TRACE(testing::Message() << "experts " << test.experts << " k " << test.k);
    const int64_t k = test.k, assignments = kTokens * k;
    std::mt19937 rng(static_cast<int>(test.experts));
    std::uniform_real_distribution<float> magnitude(0.05f, 3.0f);
    std::vector<TypeParam> hidden_states(kTokens * kHidden);
    for (TypeParam& v : hidden_states) v = E::From(RandomSigned(rng, magnitude));
    std::vector<int32_t> sorted =
        AlignOnHost(DistinctExpertIds(rng, kTokens, test.experts, k), test.experts)
            .sorted_assignments;
    sorted[3] = -1;                         // MoeAlign's mark for an id out of range.
    sorted[assignments - 1] = assignments;  // Past the end: also a zero row.

    absl::StatusOr<DeviceBuffer> d_hidden =
        DeviceBuffer::FromHost(hidden_states.data(), hidden_states.size() * sizeof(TypeParam));
    absl::StatusOr<DeviceBuffer> d_sorted =
        DeviceBuffer::FromHost(sorted.data(), sorted.size() * sizeof(int32_t));
    absl::StatusOr<DeviceBuffer> d_out =
        DeviceBuffer::Allocate(assignments * kHidden * sizeof(TypeParam));
    ASSERT_TRUE(d_hidden.ok() && d_sorted.ok() && d_out.ok());
    ASSERT_TRUE(d_out->Fill(0xff).ok());
    ASSERT_TRUE(MoeGather(d_hidden->data(), static_cast<const int32_t*>(d_sorted->data()),
                          d_out->data(), kTokens, k, kHidden, E::kDType, nullptr)
                    .ok());
    std::vector<TypeParam> out(assignments * kHidden);
    ASSERT_TRUE(d_out->CopyToHost(out.data(), d_out->size()).ok());
    for (int64_t p = 0; p < assignments; ++p) {
      const bool valid = sorted[p] >= 0 && sorted[p] < assignments;
      for (int64_t c = 0; c < kHidden; ++c) {
        const float expected = valid ? E::To(hidden_states[sorted[p] / k * kHidden + c]) : 0.0f;
        ASSERT_EQ(E::To(out[p * kHidden + c]), expected) << "position " << p << " col " << c;
      }
    }
  }
}

TEST(MoeGatherArgumentsTest, RejectsBadArgumentsWithoutTouchingTheDevice) {
  int dummy = 0;
  const int32_t sorted = 0;
  constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
  EXPECT_EQ(MoeGather(nullptr, &sorted, &dummy, 4, 2, 8, DType::kF32, nullptr).code(), kInvalid);
  EXPECT_EQ(MoeGather(&dummy, nullptr, &dummy, 4, 2, 8, DType::kF32, nullptr).code(), kInvalid);
  EXPECT_EQ(MoeGather(&dummy, &sorted, nullptr, 4, 2, 8, DType::kF32, nullptr).code(), kInvalid);
  EXPECT_EQ(MoeGather(&dummy, &sorted, &dummy, 4, 0, 8, DType::kF32, nullptr).code(), kInvalid);
  EXPECT_EQ(MoeGather(&dummy, &sorted, &dummy, -1, 2, 8, DType::kF32, nullptr).code(), kInvalid);
  EXPECT_EQ(MoeGather(&dummy, &sorted, &dummy, 4, 2, -8, DType::kF32, nullptr).code(), kInvalid);
  EXPECT_EQ(MoeGather(&dummy, &sorted, &dummy, int64_t{1} << 30, 2, 8, DType::kF32, nullptr).code(),
            kInvalid);
}

}  // namespace
}  // namespace llm::kernels
