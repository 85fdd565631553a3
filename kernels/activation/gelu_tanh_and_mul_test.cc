// GeluTanhAndMul on the GPU against the formula on the CPU (in double), for each dtype,
// on random non-zero inputs with a poisoned output buffer. Skips visibly without a GPU.
#include "kernels/activation/gelu_tanh_and_mul.h"

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
class GeluTanhAndMulTest : public testing::Test {};

TYPED_TEST_SUITE(GeluTanhAndMulTest, ElementTypes);

double GeluTanh(double x) {
  const double kSqrt2OverPi = std::sqrt(2.0 / M_PI);
  return 0.5 * x * (1.0 + std::tanh(kSqrt2OverPi * (x + 0.044715 * x * x * x)));
}

TYPED_TEST(GeluTanhAndMulTest, MatchesCpuMath) {
  absl::StatusOr<int> devices = CudaDeviceCount();
  if (!devices.ok()) GTEST_SKIP() << "needs a GPU: " << devices.status().message();

  using E = Element<TypeParam>;
  // Odd sizes: columns not a multiple of the warp, more rows than one wave. Gates reach
  // far enough on both sides for tanh to saturate (gelu -> x and gelu -> 0).
  constexpr int64_t kRows = 37;
  constexpr int64_t kCols = 1003;
  std::mt19937 rng(4321);
  std::uniform_real_distribution<float> magnitude(0.05f, 6.0f);
  std::vector<TypeParam> input(kRows * 2 * kCols);
  for (TypeParam& x : input) x = E::From(RandomSigned(rng, magnitude));

  absl::StatusOr<DeviceBuffer> gate_up = DeviceBuffer::Allocate(input.size() * sizeof(TypeParam));
  absl::StatusOr<DeviceBuffer> out = DeviceBuffer::Allocate(kRows * kCols * sizeof(TypeParam));
  ASSERT_TRUE(gate_up.ok() && out.ok());
  ASSERT_TRUE(gate_up->CopyFromHost(input.data(), gate_up->size()).ok());
  ASSERT_TRUE(out->Fill(0xff).ok());

  ASSERT_TRUE(GeluTanhAndMul(gate_up->data(), out->data(), kRows, kCols, E::kDType, nullptr).ok());
  std::vector<TypeParam> result(kRows * kCols);
  ASSERT_TRUE(out->CopyToHost(result.data(), out->size()).ok());

  for (int64_t r = 0; r < kRows; ++r) {
    for (int64_t c = 0; c < kCols; ++c) {
      const double g = E::To(input[r * 2 * kCols + c]);
      const double u = E::To(input[r * 2 * kCols + kCols + c]);
      const double expected = GeluTanh(g) * u;
      const double got = E::To(result[r * kCols + c]);
      ASSERT_NEAR(got, expected, E::kTolerance * (1.0 + std::fabs(expected)))
          << "row " << r << " col " << c << " gate " << g << " up " << u;
    }
  }
}

TEST(GeluTanhAndMulArgumentsTest, RejectsBadArgumentsWithoutTouchingTheDevice) {
  EXPECT_EQ(GeluTanhAndMul(nullptr, nullptr, 4, 8, DType::kF32, nullptr).code(),
            absl::StatusCode::kInvalidArgument);
  int dummy = 0;
  EXPECT_EQ(GeluTanhAndMul(&dummy, &dummy, -1, 8, DType::kF32, nullptr).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GeluTanhAndMul(&dummy, &dummy, 4, -8, DType::kF32, nullptr).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(GeluTanhAndMulArgumentsTest, EmptyShapesNeedNoDevice) {
  int dummy = 0;
  EXPECT_TRUE(GeluTanhAndMul(&dummy, &dummy, 0, 8, DType::kF32, nullptr).ok());
  EXPECT_TRUE(GeluTanhAndMul(&dummy, &dummy, 4, 0, DType::kBF16, nullptr).ok());
}

}  // namespace
}  // namespace llm::kernels
