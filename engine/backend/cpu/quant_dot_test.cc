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
                         testing::Values(DType::kQ4_0, DType::kQ4_1, DType::kQ5_0, DType::kQ5_1,
                                         DType::kQ8_0, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K),
                         [](const auto& info) { return std::string(Info(info.param).name); });

// Eight rows in rows8 form against five tokens: each (row, token) sum matches the
// definition, and both ISA levels give the same bits.
TEST(QuantDotTest, Rows8GroupsMatchDecodedMath) {
  for (DType type : {DType::kQ4_0, DType::kQ4_1, DType::kQ8_0}) {
    ASSERT_TRUE(HasRows8(type));
    std::mt19937 rng(7 + static_cast<int>(type));
    std::normal_distribution<float> normal(0.0f, 1.0f);
    const int64_t n = 512, blocks = n / 32, tokens = 5;
    const std::string bytes = RandomWeights(type, 8, n, 0.4f, rng);
    const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
    const std::vector<uint8_t> group = RepackRows8(type, 8, n, data);
    ASSERT_EQ(static_cast<int64_t>(group.size()), Rows8GroupBytes(type, n));
    std::vector<float> x(tokens * n);
    for (float& v : x) v = normal(rng);
    std::vector<BlockQ8> xq(tokens * blocks);
    for (int64_t t = 0; t < tokens; ++t) QuantizeRowQ8(&x[t * n], n, &xq[t * blocks]);
    std::vector<float> avx2(tokens * 8, NAN), best(tokens * 8, NAN);
    QuantDotForAvx2(type).rows8(group.data(), xq.data(), blocks, tokens, avx2.data(), 8);
    QuantDotFor(type).rows8(group.data(), xq.data(), blocks, tokens, best.data(), 8);
    EXPECT_EQ(avx2, best) << Info(type).name;
    const int64_t row_bytes = RowBytes(type, n);
    for (int r = 0; r < 8; ++r) {
      const std::vector<uint8_t> row(data + r * row_bytes, data + (r + 1) * row_bytes);
      for (int64_t t = 0; t < tokens; ++t) {
        const std::vector<BlockQ8> token(xq.begin() + t * blocks, xq.begin() + (t + 1) * blocks);
        const double expected = Reference(type, row, token, n);
        EXPECT_NEAR(best[t * 8 + r], expected, 1e-4 * (1 + std::fabs(expected)))
            << Info(type).name << " row " << r << " token " << t;
      }
    }
  }
}

// The definition: d = max|x| / 127, q = x / d rounded half to even, sums of q.
TEST(QuantDotTest, QuantizeRowQ8FollowsTheDefinition) {
  std::mt19937 rng(8);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  std::vector<float> x(32 * 40);
  for (float& v : x) v = normal(rng);
  std::fill_n(x.begin() + 64, 32, 0.0f);  // An all-zero block.
  // d = 1 and values halfway between integers: ties round to even.
  for (int i = 0; i < 31; ++i) x[96 + i] = static_cast<float>(i) - 15.5f;
  x[96 + 31] = 127.0f;
  std::vector<BlockQ8> q(40);
  QuantizeRowQ8(x.data(), static_cast<int64_t>(x.size()), q.data());
  for (int b = 0; b < 40; ++b) {
    float max_abs = 0.0f;
    for (int i = 0; i < 32; ++i) max_abs = std::max(max_abs, std::fabs(x[b * 32 + i]));
    const float d = max_abs / 127.0f, inverse = d > 0.0f ? 1.0f / d : 0.0f;
    int sum = 0;
    for (int i = 0; i < 32; ++i) {
      const int expected = static_cast<int>(std::nearbyint(x[b * 32 + i] * inverse));
      ASSERT_EQ(q[b].q[i], expected) << "block " << b << " value " << i;
      sum += expected;
    }
    EXPECT_EQ(q[b].d, d);
    EXPECT_EQ(q[b].q_sum, sum);
    EXPECT_EQ(q[b].sum, d * static_cast<float>(sum));
  }
}

TEST(QuantDotTest, TypesWithoutAKernelFallBack) {
  EXPECT_EQ(QuantDotFor(DType::kF32).dot, nullptr);
  EXPECT_EQ(QuantDotFor(DType::kF16).dot, nullptr);
}

}  // namespace
}  // namespace llm::cpu
