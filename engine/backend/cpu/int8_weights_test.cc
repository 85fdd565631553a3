#include "engine/backend/cpu/int8_weights.h"

#include <cmath>
#include <random>

#include "engine/backend/cpu/dequantize.h"
#include "engine/tensor/random_weights.h"
#include "gtest/gtest.h"

namespace llm::cpu {
namespace {

TEST(Int8WeightsTest, EachRowKeepsItsOwnScaleAndHalfAStepOfError) {
  for (DType type : {DType::kF32, DType::kF16, DType::kBF16}) {
    std::mt19937 rng(5);
    const int64_t rows = 9, cols = 96;
    std::string bytes = RandomWeights(type, rows, cols, 1.0f, rng);
    const WeightView w{type, rows, cols, reinterpret_cast<const uint8_t*>(bytes.data())};
    ASSERT_TRUE(CanQuantizeInt8(w));
    ThreadPool pool(2);
    const std::vector<uint8_t> q8 = QuantizeInt8PerChannel(w, pool);
    std::vector<float> original(cols), restored(cols);
    for (int64_t r = 0; r < rows; ++r) {
      DequantizeRow(type, w.row(r), cols, original.data());
      DequantizeRow(DType::kQ8_0, &q8[r * RowBytes(DType::kQ8_0, cols)], cols, restored.data());
      float max_abs = 0.0f;
      for (float v : original) max_abs = std::max(max_abs, std::fabs(v));
      for (int64_t i = 0; i < cols; ++i) {
        // Half a quantization step, plus the f16 rounding of the scale itself.
        ASSERT_NEAR(restored[i], original[i], max_abs / 127.0f * 0.51f + max_abs * 1e-3f)
            << Info(type).name << " row " << r << " col " << i;
      }
    }
  }
}

TEST(Int8WeightsTest, QuantizedTypesAreLeftAlone) {
  EXPECT_FALSE(CanQuantizeInt8(WeightView{DType::kQ4_1, 1, 32, nullptr}));
  EXPECT_FALSE(CanQuantizeInt8(WeightView{DType::kF32, 1, 48, nullptr}));
}

}  // namespace
}  // namespace llm::cpu
