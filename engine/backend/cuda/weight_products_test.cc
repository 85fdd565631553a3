// WeightProducts on the GPU against a float64 host product, for bf16 and INT8 weights,
// with and without a bias, at decode token counts (timed every way on first sight, then
// run the fastest way) and prefill ones (run by rule), each shape twice: the first run
// and the one after the choice must both give the product. Skips visibly without a GPU.
#include "engine/backend/cuda/weight_products.h"

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/common/device.h"

namespace llm {
namespace {

using kernels::DeviceBuffer;

uint16_t Bf16(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, 4);
  return static_cast<uint16_t>((bits + 0x7fff + ((bits >> 16) & 1)) >> 16);
}

float FromBf16(uint16_t x) {
  const uint32_t bits = uint32_t{x} << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

TEST(WeightProductsTest, EveryWayGivesTheProduct) {
  absl::StatusOr<int> devices = kernels::CudaDeviceCount();
  if (!devices.ok()) GTEST_SKIP() << "needs a GPU: " << devices.status().message();
  constexpr int64_t kRows = 520, kCols = 768;
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_int_distribution<int> quant(-127, 127);
  for (const bool int8 : {false, true}) {
    SCOPED_TRACE(int8 ? "INT8 weights" : "bf16 weights");
    // The weights as stored and as the product sees them.
    std::vector<double> weights(kRows * kCols);
    std::vector<uint16_t> bf16(kRows * kCols);
    std::vector<int8_t> q(kRows * kCols);
    std::vector<float> scales(kRows);
    for (int64_t r = 0; r < kRows; ++r) {
      scales[r] = 0.0005f + 0.001f * std::fabs(normal(rng));
      for (int64_t c = 0; c < kCols; ++c) {
        const int64_t i = r * kCols + c;
        q[i] = static_cast<int8_t>(quant(rng));
        bf16[i] = Bf16(0.05f * normal(rng));
        weights[i] = int8 ? double{scales[r]} * q[i] : FromBf16(bf16[i]);
      }
    }
    GpuMatrix w{.rows = kRows, .cols = kCols};
    absl::StatusOr<DeviceBuffer> data = int8 ? DeviceBuffer::FromHost(q.data(), q.size())
                                             : DeviceBuffer::FromHost(bf16.data(), bf16.size() * 2);
    ASSERT_TRUE(data.ok());
    w.data = *std::move(data);
    if (int8) {
      absl::StatusOr<DeviceBuffer> s = DeviceBuffer::FromHost(scales.data(), kRows * 4);
      ASSERT_TRUE(s.ok());
      w.scales = *std::move(s);
    }
    std::vector<uint16_t> bias(kRows);
    for (uint16_t& b : bias) b = Bf16(normal(rng));
    absl::StatusOr<DeviceBuffer> db = DeviceBuffer::FromHost(bias.data(), kRows * 2);
    absl::StatusOr<std::unique_ptr<WeightProducts>> products =
        WeightProducts::Create(int8 ? kRows * kCols : 0);
    ASSERT_TRUE(db.ok() && products.ok()) << products.status();

    struct Case {
      int64_t tokens;
      bool decode;
    };
    for (const Case c : {Case{1, true}, Case{3, true}, Case{8, true}, Case{16, true},
                         Case{48, true}, Case{5, false}, Case{64, false}}) {
      for (const bool biased : {false, true}) {
        SCOPED_TRACE(testing::Message()
                     << c.tokens << " tokens, decode " << c.decode << ", bias " << biased);
        std::vector<uint16_t> x(c.tokens * kCols);
        for (uint16_t& v : x) v = Bf16(normal(rng));
        absl::StatusOr<DeviceBuffer> dx = DeviceBuffer::FromHost(x.data(), x.size() * 2);
        absl::StatusOr<DeviceBuffer> dy = DeviceBuffer::Allocate(c.tokens * kRows * 2);
        ASSERT_TRUE(dx.ok() && dy.ok());
        for (int run = 0; run < 2; ++run) {
          ASSERT_TRUE(dy->Fill(0xff).ok());
          const absl::Status status = (*products)->Run(w, dx->data(), dy->data(), c.tokens,
                                                       biased ? &*db : nullptr, c.decode, nullptr);
          ASSERT_TRUE(status.ok()) << status;
          std::vector<uint16_t> y(c.tokens * kRows);
          ASSERT_TRUE(dy->CopyToHost(y.data(), dy->size()).ok());
          double squared = 0, norm = 0;
          for (int64_t t = 0; t < c.tokens; ++t) {
            for (int64_t r = 0; r < kRows; ++r) {
              double expected = biased ? FromBf16(bias[r]) : 0.0;
              for (int64_t k = 0; k < kCols; ++k) {
                expected += weights[r * kCols + k] * FromBf16(x[t * kCols + k]);
              }
              const double d = FromBf16(y[t * kRows + r]) - expected;
              squared += d * d;
              norm += expected * expected;
            }
          }
          EXPECT_LT(std::sqrt(squared / norm), 1e-2) << "run " << run;  // NaN: unwritten.
        }
      }
    }
  }
}

}  // namespace
}  // namespace llm
