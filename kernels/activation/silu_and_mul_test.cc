// SiluAndMul on the GPU against the same math on the CPU (in double), for each dtype, on random
// non-zero inputs with a poisoned output buffer. Skips visibly without a GPU.
#include "kernels/activation/silu_and_mul.h"

#include <cmath>

#include "gtest/gtest.h"
#include "kernels/activation/gated_activation_check.h"
#include "kernels/common/device.h"

namespace llm::kernels {
namespace {

template <typename T>
class SiluAndMulTest : public testing::Test {};

TYPED_TEST_SUITE(SiluAndMulTest, ElementTypes);

TYPED_TEST(SiluAndMulTest, MatchesCpuMath) {
  absl::StatusOr<int> devices = CudaDeviceCount();
  if (!devices.ok()) GTEST_SKIP() << "needs a GPU: " << devices.status().message();
  ExpectGatedActivationMatches<TypeParam>(
      SiluAndMul, [](double g) { return g / (1.0 + std::exp(-g)); }, 1234, 4.0f);
}

TEST(SiluAndMulArgumentsTest, RejectsNullPointersWithoutTouchingTheDevice) {
  absl::Status status = SiluAndMul(nullptr, nullptr, 4, 8, DType::kF32, nullptr);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace llm::kernels
