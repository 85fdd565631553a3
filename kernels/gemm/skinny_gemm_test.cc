// SkinnyGemm and Int8WeightGemm on the GPU against a float64 host product (of the
// dequantized weights for INT8), for every activation dtype, with token counts for each
// pass size (1, 2, 4, 8) that fill a pass, leave a remainder, and span several passes, a
// row count that leaves a partial block, and a width that takes each thread more than one
// round of loads, with and without a bias, on fresh random non-zero inputs with a
// poisoned output. Skips visibly without a GPU.
#include "kernels/gemm/skinny_gemm.h"

#include <cmath>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/common/device_buffer.h"
#include "kernels/common/test_element.h"

namespace llm::kernels {
namespace {

template <typename T>
class SkinnyGemmTest : public testing::Test {};

TYPED_TEST_SUITE(SkinnyGemmTest, ElementTypes);

TYPED_TEST(SkinnyGemmTest, MatchesTheFloat64Product) {
  absl::StatusOr<int> devices = CudaDeviceCount();
  if (!devices.ok()) GTEST_SKIP() << "needs a GPU: " << devices.status().message();
  using E = Element<TypeParam>;
  std::mt19937 rng(31);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_int_distribution<int> quant(-127, 127);
  constexpr int64_t kN = 515, kK = 4624;
  for (const bool int8 : {false, true}) {
    SCOPED_TRACE(int8 ? "INT8 weights" : "weights in the activations' type");
    // The weights as the product should see them, in double, and as stored.
    std::vector<double> weights(kN * kK);
    std::vector<int8_t> q(kN * kK);
    std::vector<float> scales(kN);
    std::vector<TypeParam> plain(kN * kK);
    for (int64_t r = 0; r < kN; ++r) {
      scales[r] = 0.001f + 0.01f * std::fabs(normal(rng));
      for (int64_t c = 0; c < kK; ++c) {
        const int64_t i = r * kK + c;
        if (int8) {
          q[i] = static_cast<int8_t>(quant(rng));
          weights[i] = static_cast<double>(scales[r]) * q[i];
        } else {
          plain[i] = E::From(0.05f * normal(rng));
          weights[i] = E::To(plain[i]);
        }
      }
    }
    absl::StatusOr<DeviceBuffer> dw =
        int8 ? DeviceBuffer::FromHost(q.data(), q.size())
             : DeviceBuffer::FromHost(plain.data(), plain.size() * sizeof(TypeParam));
    std::vector<TypeParam> bias(kN);
    for (TypeParam& b : bias) b = E::From(normal(rng));
    absl::StatusOr<DeviceBuffer> ds = DeviceBuffer::FromHost(scales.data(), kN * sizeof(float));
    absl::StatusOr<DeviceBuffer> db =
        DeviceBuffer::FromHost(bias.data(), bias.size() * sizeof(TypeParam));
    ASSERT_TRUE(dw.ok() && ds.ok() && db.ok());
    for (int64_t m : {1, 2, 3, 8, 13, 40}) {
      const bool biased = m % 2 == 1;  // A bias with 1, 3 and 13 tokens.
      const void* b = biased ? db->data() : nullptr;
      std::vector<TypeParam> x(m * kK);
      for (TypeParam& v : x) v = E::From(normal(rng));
      absl::StatusOr<DeviceBuffer> dx =
          DeviceBuffer::FromHost(x.data(), x.size() * sizeof(TypeParam));
      absl::StatusOr<DeviceBuffer> dy = DeviceBuffer::Allocate(m * kN * sizeof(TypeParam));
      ASSERT_TRUE(dx.ok() && dy.ok());
      ASSERT_TRUE(dy->Fill(0xff).ok());
      const absl::Status status =
          int8 ? Int8WeightGemm(dx->data(), static_cast<const int8_t*>(dw->data()),
                                static_cast<const float*>(ds->data()), dy->data(), m, kN, kK,
                                E::kDType, nullptr, b)
               : SkinnyGemm(dx->data(), dw->data(), dy->data(), m, kN, kK, E::kDType, nullptr, b);
      ASSERT_TRUE(status.ok()) << status;
      std::vector<TypeParam> y(m * kN);
      ASSERT_TRUE(dy->CopyToHost(y.data(), dy->size()).ok());
      for (int64_t t = 0; t < m; ++t) {
        for (int64_t r = 0; r < kN; ++r) {
          double expected = biased ? E::To(bias[r]) : 0.0;
          for (int64_t c = 0; c < kK; ++c) expected += weights[r * kK + c] * E::To(x[t * kK + c]);
          const float got = E::To(y[t * kN + r]);
          ASSERT_NEAR(got, expected, 4 * E::kTolerance * (1.0 + std::fabs(expected)))
              << "token " << t << " row " << r << " of " << m;
        }
      }
    }
  }
}

TEST(SkinnyGemmArgumentsTest, RejectsBadShapesWithoutTouchingTheDevice) {
  alignas(16) int8_t q[16] = {};
  alignas(16) float x[16] = {}, y[16] = {};
  float scale = 1.0f;
  EXPECT_EQ(Int8WeightGemm(x, q, &scale, y, 1, 1, 24, DType::kF32, nullptr).code(),
            absl::StatusCode::kInvalidArgument);  // k not a multiple of 16.
  EXPECT_EQ(Int8WeightGemm(nullptr, q, &scale, y, 1, 1, 16, DType::kF32, nullptr).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Int8WeightGemm(x, q, nullptr, y, 1, 1, 16, DType::kF32, nullptr).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SkinnyGemm(x, x, y, 1, 1, 12, DType::kF32, nullptr).code(),
            absl::StatusCode::kInvalidArgument);  // k not a multiple of 8.
  EXPECT_EQ(SkinnyGemm(x + 1, x, y, 1, 1, 8, DType::kF32, nullptr).code(),
            absl::StatusCode::kInvalidArgument);  // Misaligned activations.
}

}  // namespace
}  // namespace llm::kernels
