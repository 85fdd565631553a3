// The integer kernels against the plain definition: the dot product of the decoded
// weight row (dequantize.h, itself checked against gguf-py) with the decoded 8-bit
// activations. Both ISA levels are checked where the CPU has them.
#include "engine/backend/cpu/quant_dot.h"

#include <cmath>
#include <random>
#include <vector>

#include "engine/backend/cpu/dequantize.h"
#include "engine/tensor/random_weights.h"
#include "gtest/gtest.h"

namespace llm::cpu {
namespace {

std::vector<uint8_t> RandomRow(DType type, int64_t n, std::mt19937& rng) {
  const std::string bytes = RandomWeights(type, 1, n, 0.4f, rng);
  return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

double Reference(DType type, const std::vector<uint8_t>& row, const std::vector<BlockQ8>& xq,
                 int64_t n) {
  std::vector<float> w(n);
  DequantizeRow(type, row.data(), n, w.data());
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += double{w[i]} * xq[i / 32].d * xq[i / 32].q[i % 32];
  return sum;
}

class QuantDotTest : public testing::TestWithParam<DType> {};

TEST_P(QuantDotTest, MatchesDecodedMath) {
  const DType type = GetParam();
  std::mt19937 rng(static_cast<int>(type));
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (int64_t n : {256, 512, 1536}) {  // Whole K-quant super-blocks.
    const std::vector<uint8_t> row = RandomRow(type, n, rng);
    std::vector<float> x(n);
    for (float& v : x) v = normal(rng);
    std::vector<BlockQ8> xq(n / 32);
    QuantizeRowQ8(x.data(), n, xq.data());
    // The 8-bit activations stay within half a step of the floats.
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_NEAR(xq[i / 32].d * xq[i / 32].q[i % 32], x[i], xq[i / 32].d * 0.5f + 1e-6f);
    }
    const double expected = Reference(type, row, xq, n);
    for (const QuantKernels& kernels : {QuantDotForAvx2(type), QuantDotFor(type)}) {
      ASSERT_NE(kernels.dot, nullptr);
      EXPECT_NEAR(kernels.dot(row.data(), xq.data(), n / 32), expected,
                  1e-4 * (1 + std::fabs(expected)))
          << Info(type).name << " n=" << n;
    }
  }
}

TEST_P(QuantDotTest, EightTokensAtOnceMatchOneAtATime) {
  const DType type = GetParam();
  std::mt19937 rng(99 + static_cast<int>(type));
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const int64_t n = 768, blocks = n / 32;
  const std::vector<uint8_t> row = RandomRow(type, n, rng);
  std::vector<float> x(8 * n);
  for (float& v : x) v = normal(rng);
  std::vector<BlockQ8> xq(8 * blocks);
  for (int t = 0; t < 8; ++t) QuantizeRowQ8(&x[t * n], n, &xq[t * blocks]);
  std::vector<BlockQ8x8> interleaved(blocks);
  InterleaveQ8x8(xq.data(), blocks, blocks, interleaved.data());
  for (const QuantKernels& kernels : {QuantDotForAvx2(type), QuantDotFor(type)}) {
    float eight[8];
    kernels.dot8(row.data(), interleaved.data(), blocks, eight);
    for (int t = 0; t < 8; ++t) {
      // Bit-identical: batching must never change a token's result.
      EXPECT_EQ(eight[t], kernels.dot(row.data(), &xq[t * blocks], blocks))
          << Info(type).name << " t=" << t;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Types, QuantDotTest,
                         testing::Values(DType::kQ4_0, DType::kQ4_1, DType::kQ8_0, DType::kQ4_K,
                                         DType::kQ5_K, DType::kQ6_K),
                         [](const auto& info) { return std::string(Info(info.param).name); });

TEST(QuantDotTest, TypesWithoutAKernelFallBack) {
  EXPECT_EQ(QuantDotFor(DType::kF32).dot, nullptr);
  EXPECT_EQ(QuantDotFor(DType::kQ5_0).dot, nullptr);
}

}  // namespace
}  // namespace llm::cpu
