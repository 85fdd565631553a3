// Int8WeightGemm on the GPU against a float64 host product of the dequantized weights,
// for every activation dtype, with token counts that fill a pass, leave a remainder, and
// span several passes, on fresh random non-zero inputs with a poisoned output. Skips
// visibly without a GPU.
#include "kernels/gemm/int8_weight_gemm.h"

#include <cmath>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/common/device_buffer.h"
#include "kernels/common/test_element.h"

namespace llm::kernels {
namespace {

template <typename T>
class Int8WeightGemmTest : public testing::Test {};

TYPED_TEST_SUITE(Int8WeightGemmTest, ElementTypes);

TYPED_TEST(Int8WeightGemmTest, MatchesTheDequantizedProduct) {
  absl::StatusOr<int> devices = CudaDeviceCount();
  if (!devices.ok()) GTEST_SKIP() << "needs a GPU: " << devices.status().message();
  using E = Element<TypeParam>;
  std::mt19937 rng(31);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_int_distribution<int> quant(-127, 127);
  constexpr int64_t kN = 1003, kK = 1536;
  std::vector<int8_t> q(kN * kK);
  std::vector<float> scales(kN);
  for (int8_t& v : q) v = static_cast<int8_t>(quant(rng));
  for (float& s : scales) s = 0.001f + 0.01f * std::fabs(normal(rng));
  absl::StatusOr<DeviceBuffer> dq = DeviceBuffer::FromHost(q.data(), q.size());
  absl::StatusOr<DeviceBuffer> ds = DeviceBuffer::FromHost(scales.data(), kN * sizeof(float));
  ASSERT_TRUE(dq.ok() && ds.ok());
  for (int64_t m : {1, 8, 13, 40}) {
    std::vector<TypeParam> x(m * kK);
    for (TypeParam& v : x) v = E::From(normal(rng));
    absl::StatusOr<DeviceBuffer> dx =
        DeviceBuffer::FromHost(x.data(), x.size() * sizeof(TypeParam));
    absl::StatusOr<DeviceBuffer> dy = DeviceBuffer::Allocate(m * kN * sizeof(TypeParam));
    ASSERT_TRUE(dx.ok() && dy.ok());
    ASSERT_TRUE(dy->Fill(0xff).ok());
    ASSERT_TRUE(Int8WeightGemm(dx->data(), static_cast<const int8_t*>(dq->data()),
                               static_cast<const float*>(ds->data()), dy->data(), m, kN, kK,
                               E::kDType, nullptr)
                    .ok());
    std::vector<TypeParam> y(m * kN);
    ASSERT_TRUE(dy->CopyToHost(y.data(), dy->size()).ok());
    for (int64_t t = 0; t < m; ++t) {
      for (int64_t r = 0; r < kN; ++r) {
        double expected = 0;
        for (int64_t c = 0; c < kK; ++c)
          expected += static_cast<double>(q[r * kK + c]) * E::To(x[t * kK + c]);
        expected *= scales[r];
        const float got = E::To(y[t * kN + r]);
        ASSERT_NEAR(got, expected, 4 * E::kTolerance * (1.0 + std::fabs(expected)))
            << "token " << t << " row " << r << " of " << m;
      }
    }
  }
}

TEST(Int8WeightGemmArgumentsTest, RejectsBadShapesWithoutTouchingTheDevice) {
  alignas(16) int8_t q[16] = {};
  float scale = 1.0f, x = 0.0f, y = 0.0f;
  EXPECT_EQ(Int8WeightGemm(&x, q, &scale, &y, 1, 1, 24, DType::kF32, nullptr).code(),
            absl::StatusCode::kInvalidArgument);  // k not a multiple of 16.
  EXPECT_EQ(Int8WeightGemm(nullptr, q, &scale, &y, 1, 1, 16, DType::kF32, nullptr).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace llm::kernels
