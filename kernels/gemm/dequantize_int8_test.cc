// DequantizeInt8Rows on the GPU against scale · q computed on the host, for every output
// dtype, on fresh random non-zero weights with a poisoned output. Skips visibly without a
// GPU.
#include "kernels/gemm/dequantize_int8.h"

#include <cmath>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/common/device_buffer.h"
#include "kernels/common/test_element.h"

namespace llm::kernels {
namespace {

template <typename T>
class DequantizeInt8RowsTest : public testing::Test {};

TYPED_TEST_SUITE(DequantizeInt8RowsTest, ElementTypes);

TYPED_TEST(DequantizeInt8RowsTest, WidensEveryWeightByItsRowsScale) {
  absl::StatusOr<int> devices = CudaDeviceCount();
  if (!devices.ok()) GTEST_SKIP() << "needs a GPU: " << devices.status().message();
  using E = Element<TypeParam>;
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> quant(-127, 127);
  std::uniform_real_distribution<float> scale(0.001f, 0.02f);
  constexpr int64_t kN = 517, kK = 1040;
  std::vector<int8_t> q(kN * kK);
  std::vector<float> scales(kN);
  for (int8_t& v : q) v = static_cast<int8_t>(quant(rng));
  for (float& s : scales) s = scale(rng);
  absl::StatusOr<DeviceBuffer> dq = DeviceBuffer::FromHost(q.data(), q.size());
  absl::StatusOr<DeviceBuffer> ds = DeviceBuffer::FromHost(scales.data(), kN * sizeof(float));
  absl::StatusOr<DeviceBuffer> dw = DeviceBuffer::Allocate(q.size() * sizeof(TypeParam));
  ASSERT_TRUE(dq.ok() && ds.ok() && dw.ok());
  ASSERT_TRUE(dw->Fill(0xff).ok());
  ASSERT_TRUE(DequantizeInt8Rows(static_cast<const int8_t*>(dq->data()),
                                 static_cast<const float*>(ds->data()), dw->data(), kN, kK,
                                 E::kDType, nullptr)
                  .ok());
  std::vector<TypeParam> w(q.size());
  ASSERT_TRUE(dw->CopyToHost(w.data(), dw->size()).ok());
  for (int64_t r = 0; r < kN; ++r) {
    for (int64_t c = 0; c < kK; ++c) {
      const double expected = static_cast<double>(scales[r]) * q[r * kK + c];
      ASSERT_NEAR(E::To(w[r * kK + c]), expected, E::kTolerance * std::fabs(expected) + 1e-7)
          << "row " << r << " column " << c;
    }
  }
}

TEST(DequantizeInt8RowsArgumentsTest, RejectsBadShapesWithoutTouchingTheDevice) {
  alignas(16) int8_t q[32] = {};
  float scale = 1.0f, w[32] = {};
  EXPECT_EQ(DequantizeInt8Rows(q, &scale, w, 1, 24, DType::kF32, nullptr).code(),
            absl::StatusCode::kInvalidArgument);  // k not a multiple of 16.
  EXPECT_EQ(DequantizeInt8Rows(q + 1, &scale, w, 1, 16, DType::kF32, nullptr).code(),
            absl::StatusCode::kInvalidArgument);  // Misaligned weights.
  EXPECT_EQ(DequantizeInt8Rows(nullptr, &scale, w, 1, 16, DType::kF32, nullptr).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace llm::kernels
