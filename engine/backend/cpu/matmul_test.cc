// MatMul against the definition y[t, r] = Σ_i w[r, i]·x[t, i] for every code path:
// integer kernels (one token, eight-token groups, remainders, rows8 groups) and decoded
// f32 rows, across thread counts. Quantized types see 8-bit activations, so the reference uses
// the activations as quant_dot.h rounds them.
#include "engine/backend/cpu/matmul.h"

#include <cmath>
#include <random>
#include <vector>

#include "engine/backend/cpu/dequantize.h"
#include "engine/backend/cpu/quant_dot.h"
#include "engine/tensor/random_weights.h"
#include "gtest/gtest.h"

namespace llm::cpu {
namespace {

struct Case {
  DType type;
  int64_t tokens;
  int threads;
  bool rows8 = false;
};

class MatMulTest : public testing::TestWithParam<Case> {};

TEST_P(MatMulTest, MatchesTheDefinition) {
  const Case c = GetParam();
  // Whole blocks of every type (K-quants: 256); rows8 takes rows in eights.
  const int64_t rows = c.rows8 ? 72 : 67, cols = 512;
  std::mt19937 rng(static_cast<int>(c.type) * 100 + static_cast<int>(c.tokens));
  const std::string weights = RandomWeights(c.type, rows, cols, 0.3f, rng);
  const WeightView w{c.type, rows, cols, reinterpret_cast<const uint8_t*>(weights.data())};
  std::vector<uint8_t> storage;
  const WeightView used = c.rows8 ? ToRows8(w, storage) : w;
  ASSERT_EQ(used.rows8, c.rows8);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(c.tokens * cols);
  for (float& v : x) v = normal(rng);

  // The activations the kernel sees.
  std::vector<float> seen = x;
  if (QuantDotFor(c.type).dot != nullptr) {
    std::vector<BlockQ8> q(cols / 32);
    for (int64_t t = 0; t < c.tokens; ++t) {
      QuantizeRowQ8(&x[t * cols], cols, q.data());
      for (int64_t i = 0; i < cols; ++i) seen[t * cols + i] = q[i / 32].d * q[i / 32].q[i % 32];
    }
  }
  std::vector<float> y(c.tokens * rows, NAN);
  ThreadPool pool(c.threads);
  MatMul(used, x.data(), c.tokens, y.data(), pool);

  std::vector<float> row(cols);
  for (int64_t r = 0; r < rows; ++r) {
    DequantizeRow(c.type, w.row(r), cols, row.data());
    for (int64_t t = 0; t < c.tokens; ++t) {
      double expected = 0;
      for (int64_t i = 0; i < cols; ++i) expected += double{row[i]} * seen[t * cols + i];
      ASSERT_NEAR(y[t * rows + r], expected, 1e-4 * (1 + std::fabs(expected)))
          << Info(c.type).name << " row " << r << " token " << t;
    }
  }
  // Each token alone gives exactly what it gets in the batch.
  for (int64_t t = 0; t < c.tokens; ++t) {
    std::vector<float> alone(rows, NAN);
    MatMul(used, &x[t * cols], 1, alone.data(), pool);
    for (int64_t r = 0; r < rows; ++r) ASSERT_EQ(alone[r], y[t * rows + r]) << r << " " << t;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Paths, MatMulTest,
    testing::Values(Case{DType::kQ4_1, 1, 1}, Case{DType::kQ4_1, 1, 2}, Case{DType::kQ4_1, 8, 2},
                    Case{DType::kQ4_1, 19, 3}, Case{DType::kQ4_0, 13, 2}, Case{DType::kQ8_0, 17, 2},
                    Case{DType::kQ6_K, 1, 1}, Case{DType::kQ6_K, 11, 2}, Case{DType::kQ4_K, 9, 2},
                    Case{DType::kQ5_K, 3, 1}, Case{DType::kQ5_0, 2, 1}, Case{DType::kQ5_1, 13, 2},
                    Case{DType::kF32, 9, 2}, Case{DType::kQ4_1, 1, 2, true},
                    Case{DType::kQ4_1, 11, 2, true}, Case{DType::kQ4_0, 6, 3, true}));

// Several weights of one input in one call (Q, K and V): each output is exactly what its
// own MatMul gives, including when one type has no integer kernel.
TEST(MatMulsTest, EachOutputEqualsItsOwnMatMul) {
  const int64_t cols = 256, tokens = 11;
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(tokens * cols);
  for (float& v : x) v = normal(rng);
  ThreadPool pool(2);
  for (DType third : {DType::kQ6_K, DType::kF16}) {
    const std::vector<std::pair<DType, int64_t>> shapes = {
        {DType::kQ4_1, 45}, {DType::kQ8_0, 18}, {third, 23}};
    std::vector<std::string> weights;
    std::vector<WeightView> views;
    for (const auto& [type, rows] : shapes) {
      weights.push_back(RandomWeights(type, rows, cols, 0.3f, rng));
      views.push_back({type, rows, cols, reinterpret_cast<const uint8_t*>(weights.back().data())});
    }
    std::vector<std::vector<float>> together, alone;
    std::vector<MatMulOutput> outputs;
    for (const WeightView& w : views) {
      together.emplace_back(tokens * w.rows, NAN);
      alone.emplace_back(tokens * w.rows, NAN);
      MatMul(w, x.data(), tokens, alone.back().data(), pool);
    }
    for (size_t i = 0; i < views.size(); ++i) outputs.push_back({&views[i], together[i].data()});
    MatMuls(outputs, x.data(), tokens, pool);
    EXPECT_EQ(together, alone) << Info(third).name;
  }
}

// A weight split into row slices and column slices (the shards of tensor parallelism)
// gives the full product's rows, and its partial sums over column slices add up to it.
TEST(SliceTest, ShardsRecombineIntoTheFullProduct) {
  const int64_t rows = 64, cols = 256, tokens = 3;
  std::mt19937 rng(9);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(tokens * cols);
  for (float& v : x) v = normal(rng);
  ThreadPool pool(2);
  for (DType type : {DType::kQ4_1, DType::kQ8_0, DType::kF16}) {
    const std::string weights = RandomWeights(type, rows, cols, 0.3f, rng);
    const WeightView w{type, rows, cols, reinterpret_cast<const uint8_t*>(weights.data())};
    std::vector<float> full(tokens * rows);
    MatMul(w, x.data(), tokens, full.data(), pool);

    std::vector<float> top(tokens * 16);
    MatMul(SliceRows(w, 40, 16), x.data(), tokens, top.data(), pool);
    for (int64_t t = 0; t < tokens; ++t) {
      for (int64_t r = 0; r < 16; ++r) ASSERT_EQ(top[t * 16 + r], full[t * rows + 40 + r]);
    }

    std::vector<float> sum(tokens * rows, 0.0f);
    for (int64_t begin = 0; begin < cols; begin += 128) {
      std::vector<uint8_t> storage;
      absl::StatusOr<WeightView> part = SliceColumns(w, begin, 128, storage);
      ASSERT_TRUE(part.ok()) << part.status();
      std::vector<float> xs(tokens * 128), y(tokens * rows);
      for (int64_t t = 0; t < tokens; ++t) {
        std::copy_n(&x[t * cols + begin], 128, &xs[t * 128]);
      }
      MatMul(*part, xs.data(), tokens, y.data(), pool);
      for (size_t i = 0; i < y.size(); ++i) sum[i] += y[i];
    }
    for (size_t i = 0; i < sum.size(); ++i) {
      ASSERT_NEAR(sum[i], full[i], 2e-2 * (1 + std::fabs(full[i]))) << Info(type).name << " " << i;
    }
    if (Info(type).block_elements > 1) {  // Half a block in: refused, not misread.
      std::vector<uint8_t> storage;
      EXPECT_EQ(SliceColumns(w, 16, 128, storage).status().code(),
                absl::StatusCode::kInvalidArgument);
    }
  }
}

}  // namespace
}  // namespace llm::cpu
