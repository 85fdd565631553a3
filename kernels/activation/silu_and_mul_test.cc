// SiluAndMul on the GPU against the same math on the CPU, for each dtype, on random
// non-zero inputs with a poisoned output buffer. Skips visibly without a GPU.
#include "kernels/activation/silu_and_mul.h"

#include <cmath>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/common/device.h"
#include "kernels/common/device_buffer.h"
#include "kernels/common/test_element.h"

namespace llm::kernels {
namespace {

template <typename T>
class SiluAndMulTest : public testing::Test {};

TYPED_TEST_SUITE(SiluAndMulTest, ElementTypes);

TYPED_TEST(SiluAndMulTest, MatchesCpuMath) {
  absl::StatusOr<int> devices = CudaDeviceCount();
  if (!devices.ok()) GTEST_SKIP() << "needs a GPU: " << devices.status().message();

  using E = Element<TypeParam>;
  // Odd sizes: columns not a multiple of the warp, more rows than one wave.
  constexpr int64_t kRows = 37;
  constexpr int64_t kCols = 1003;
  std::mt19937 rng(1234);
  std::uniform_real_distribution<float> magnitude(0.05f, 4.0f);
  std::vector<TypeParam> input(kRows * 2 * kCols);
  for (TypeParam& x : input) x = E::From(RandomSigned(rng, magnitude));

  absl::StatusOr<DeviceBuffer> gate_up = DeviceBuffer::Allocate(input.size() * sizeof(TypeParam));
  absl::StatusOr<DeviceBuffer> out = DeviceBuffer::Allocate(kRows * kCols * sizeof(TypeParam));
  ASSERT_TRUE(gate_up.ok() && out.ok());
  ASSERT_TRUE(gate_up->CopyFromHost(input.data(), gate_up->size()).ok());
  ASSERT_TRUE(out->Fill(0xff).ok());

  ASSERT_TRUE(SiluAndMul(gate_up->data(), out->data(), kRows, kCols, E::kDType, nullptr).ok());
  std::vector<TypeParam> result(kRows * kCols);
  ASSERT_TRUE(out->CopyToHost(result.data(), out->size()).ok());

  for (int64_t r = 0; r < kRows; ++r) {
    for (int64_t c = 0; c < kCols; ++c) {
      const float g = E::To(input[r * 2 * kCols + c]);
      const float u = E::To(input[r * 2 * kCols + kCols + c]);
      const float expected = g / (1.0f + std::exp(-g)) * u;
      const float got = E::To(result[r * kCols + c]);
      ASSERT_NEAR(got, expected, E::kTolerance * (1.0f + std::fabs(expected)))
          << "row " << r << " col " << c;
    }
  }
}

TEST(SiluAndMulArgumentsTest, RejectsNullPointersWithoutTouchingTheDevice) {
  absl::Status status = SiluAndMul(nullptr, nullptr, 4, 8, DType::kF32, nullptr);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace llm::kernels
