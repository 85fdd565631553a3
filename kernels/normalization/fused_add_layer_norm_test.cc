// FusedAddLayerNorm on the GPU against the same math on the CPU (in double), for each
// dtype, on random non-zero inputs, with and without a bias and with a residual whose
// mean is large against its spread. Skips visibly without a GPU.
#include "kernels/normalization/fused_add_layer_norm.h"

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
class FusedAddLayerNormTest : public testing::Test {};

TYPED_TEST_SUITE(FusedAddLayerNormTest, ElementTypes);

template <typename T>
absl::StatusOr<DeviceBuffer> Upload(const std::vector<T>& host) {
  return DeviceBuffer::FromHost(host.data(), host.size() * sizeof(T));
}

struct Case {
  int64_t hidden;
  bool bias;
  float offset;  // Added to the residual: a row mean far from zero.
};

TYPED_TEST(FusedAddLayerNormTest, MatchesCpuMath) {
  absl::StatusOr<int> devices = CudaDeviceCount();
  if (!devices.ok()) GTEST_SKIP() << "needs a GPU: " << devices.status().message();

  using E = Element<TypeParam>;
  // Odd sizes: a hidden size not a multiple of the warp, one of a model's (4096), one
  // wider than a block and not a multiple of it.
  for (const Case& test : {Case{1003, true, 0.0f}, Case{4096, false, 0.0f}, Case{4096, true, 20.0f},
                           Case{4099, true, 0.0f}}) {
    SCOPED_TRACE(testing::Message()
                 << "hidden " << test.hidden << " bias " << test.bias << " offset " << test.offset);
    const int64_t hidden = test.hidden;
    constexpr int64_t kRows = 37;
    constexpr float kEps = 1e-5f;
    std::mt19937 rng(static_cast<int>(hidden) + (test.bias ? 1 : 0));
    std::uniform_real_distribution<float> magnitude(0.05f, 3.0f);
    auto random = [&] { return RandomSigned(rng, magnitude); };
    std::vector<TypeParam> x(kRows * hidden), residual(kRows * hidden), weight(hidden),
        bias(hidden);
    for (TypeParam& v : x) v = E::From(random());
    for (TypeParam& v : residual) v = E::From(random() + test.offset);
    for (TypeParam& v : weight) v = E::From(random());
    for (TypeParam& v : bias) v = E::From(random());

    absl::StatusOr<DeviceBuffer> dx = Upload(x), dr = Upload(residual), dw = Upload(weight),
                                 db = Upload(bias);
    ASSERT_TRUE(dx.ok() && dr.ok() && dw.ok() && db.ok());
    ASSERT_TRUE(FusedAddLayerNorm(dx->data(), dr->data(), dw->data(),
                                  test.bias ? db->data() : nullptr, kRows, hidden, kEps, E::kDType,
                                  nullptr)
                    .ok());
    std::vector<TypeParam> out_x(x.size()), out_residual(x.size());
    ASSERT_TRUE(dx->CopyToHost(out_x.data(), dx->size()).ok());
    ASSERT_TRUE(dr->CopyToHost(out_residual.data(), dr->size()).ok());

    for (int64_t r = 0; r < kRows; ++r) {
      std::vector<double> sum(hidden);
      double total = 0;
      for (int64_t c = 0; c < hidden; ++c) {
        // The residual is stored in the element type, and the norm reads it back.
        sum[c] = E::To(E::From(E::To(x[r * hidden + c]) + E::To(residual[r * hidden + c])));
        total += sum[c];
      }
      const double mean = total / hidden;
      double squares = 0;
      for (int64_t c = 0; c < hidden; ++c) squares += (sum[c] - mean) * (sum[c] - mean);
      const double inverse_std = 1.0 / std::sqrt(squares / hidden + kEps);
      for (int64_t c = 0; c < hidden; ++c) {
        ASSERT_EQ(E::To(out_residual[r * hidden + c]), static_cast<float>(sum[c]))
            << "row " << r << " col " << c;
        const double shift = test.bias ? E::To(bias[c]) : 0.0;
        const double expected = (sum[c] - mean) * inverse_std * E::To(weight[c]) + shift;
        ASSERT_NEAR(E::To(out_x[r * hidden + c]), expected,
                    E::kTolerance * (1.0 + std::fabs(expected)))
            << "row " << r << " col " << c;
      }
    }
  }
}

TEST(FusedAddLayerNormArgumentsTest, RejectsBadArgumentsWithoutTouchingTheDevice) {
  EXPECT_EQ(FusedAddLayerNorm(nullptr, nullptr, nullptr, nullptr, 4, 8, 1e-5f, DType::kF32, nullptr)
                .code(),
            absl::StatusCode::kInvalidArgument);
  int dummy = 0;
  // The weight is required; only the bias may be null.
  EXPECT_EQ(
      FusedAddLayerNorm(&dummy, &dummy, nullptr, &dummy, 4, 8, 1e-5f, DType::kF32, nullptr).code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      FusedAddLayerNorm(&dummy, &dummy, &dummy, nullptr, 4, 8, 0.0f, DType::kF32, nullptr).code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      FusedAddLayerNorm(&dummy, &dummy, &dummy, nullptr, -1, 8, 1e-5f, DType::kF32, nullptr).code(),
      absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace llm::kernels
