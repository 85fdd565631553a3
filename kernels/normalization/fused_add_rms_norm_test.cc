// FusedAddRmsNorm on the GPU against the same math on the CPU (in double), for each
// dtype, on random non-zero inputs. Skips visibly without a GPU.
#include "kernels/normalization/fused_add_rms_norm.h"

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
class FusedAddRmsNormTest : public testing::Test {};

TYPED_TEST_SUITE(FusedAddRmsNormTest, ElementTypes);

template <typename T>
absl::StatusOr<DeviceBuffer> Upload(const std::vector<T>& host) {
  return DeviceBuffer::FromHost(host.data(), host.size() * sizeof(T));
}

TYPED_TEST(FusedAddRmsNormTest, MatchesCpuMath) {
  absl::StatusOr<int> devices = CudaDeviceCount();
  if (!devices.ok()) GTEST_SKIP() << "needs a GPU: " << devices.status().message();

  using E = Element<TypeParam>;
  // Odd sizes take the one-element path: a hidden size not a multiple of the warp, one
  // wider than a block. Multiples of 8 take the 16-byte path, within one pass of the block
  // and over more than one.
  for (const int64_t hidden : {int64_t{1003}, int64_t{4099}, int64_t{4096}, int64_t{10240}}) {
    constexpr int64_t kRows = 37;
    constexpr float kEps = 1e-5f;
    std::mt19937 rng(static_cast<int>(hidden));
    std::uniform_real_distribution<float> magnitude(0.05f, 3.0f);
    auto random = [&] { return E::From(RandomSigned(rng, magnitude)); };
    std::vector<TypeParam> x(kRows * hidden), residual(kRows * hidden), weight(hidden);
    for (TypeParam& v : x) v = random();
    for (TypeParam& v : residual) v = random();
    for (TypeParam& v : weight) v = random();

    absl::StatusOr<DeviceBuffer> dx = Upload(x), dr = Upload(residual), dw = Upload(weight);
    ASSERT_TRUE(dx.ok() && dr.ok() && dw.ok());
    ASSERT_TRUE(
        FusedAddRmsNorm(dx->data(), dr->data(), dw->data(), kRows, hidden, kEps, E::kDType, nullptr)
            .ok());
    std::vector<TypeParam> out_x(x.size()), out_residual(x.size());
    ASSERT_TRUE(dx->CopyToHost(out_x.data(), dx->size()).ok());
    ASSERT_TRUE(dr->CopyToHost(out_residual.data(), dr->size()).ok());

    for (int64_t r = 0; r < kRows; ++r) {
      std::vector<double> sum(hidden);
      double squares = 0;
      for (int64_t c = 0; c < hidden; ++c) {
        // The residual is stored in the element type, and the norm reads it back.
        sum[c] = E::To(E::From(E::To(x[r * hidden + c]) + E::To(residual[r * hidden + c])));
        squares += sum[c] * sum[c];
      }
      const double inverse_rms = 1.0 / std::sqrt(squares / hidden + kEps);
      for (int64_t c = 0; c < hidden; ++c) {
        ASSERT_EQ(E::To(out_residual[r * hidden + c]), static_cast<float>(sum[c]))
            << "row " << r << " col " << c;
        const double expected = sum[c] * inverse_rms * E::To(weight[c]);
        ASSERT_NEAR(E::To(out_x[r * hidden + c]), expected,
                    E::kTolerance * (1.0 + std::fabs(expected)))
            << "row " << r << " col " << c;
      }
    }
  }
}

TEST(FusedAddRmsNormArgumentsTest, RejectsBadArgumentsWithoutTouchingTheDevice) {
  EXPECT_EQ(FusedAddRmsNorm(nullptr, nullptr, nullptr, 4, 8, 1e-5f, DType::kF32, nullptr).code(),
            absl::StatusCode::kInvalidArgument);
  int dummy = 0;
  EXPECT_EQ(FusedAddRmsNorm(&dummy, &dummy, &dummy, 4, 8, 0.0f, DType::kF32, nullptr).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace llm::kernels
