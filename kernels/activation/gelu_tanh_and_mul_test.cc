// GeluTanhAndMul on the GPU against the formula on the CPU (in double), for each dtype,
// on random non-zero inputs with a poisoned output buffer. Skips visibly without a GPU.
#include "kernels/activation/gelu_tanh_and_mul.h"

#include <cmath>

#include "gtest/gtest.h"
#include "kernels/activation/gated_activation_check.h"
#include "kernels/common/device.h"

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
  // Gates reach far enough on both sides for tanh to saturate (gelu -> x and gelu -> 0).
  ExpectGatedActivationMatches<TypeParam>(GeluTanhAndMul, GeluTanh, 4321, 6.0f);
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
