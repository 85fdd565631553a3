// CausalAttention against the formula computed naively in double precision, across
// head sizes (vectorized and not), GQA groupings, block sizes, chunk boundaries and
// thread counts, with the sequence's blocks scattered through the pool in random order.
#include "engine/backend/cpu/attention.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace llm::cpu {
namespace {

struct Case {
  int64_t heads, kv_heads, head_dim, start, tokens, threads, block_tokens, window = 0;
};

// k and v are dense: [kv_heads, positions, head_dim].
std::vector<double> Naive(const AttentionShape& s, const std::vector<float>& q, int64_t tokens,
                          int64_t start, int64_t positions, const std::vector<float>& k,
                          const std::vector<float>& v) {
  std::vector<double> out(tokens * s.heads * s.head_dim, 0.0);
  const int64_t group = s.heads / s.kv_heads;
  for (int64_t t = 0; t < tokens; ++t) {
    for (int64_t h = 0; h < s.heads; ++h) {
      const int64_t visible = start + t + 1;
      const int64_t first = s.window > 0 ? std::max<int64_t>(0, visible - s.window) : 0;
      const float* query = &q[(t * s.heads + h) * s.head_dim];
      std::vector<double> w(visible, 0.0);
      double max = -1e300, total = 0;
      for (int64_t p = first; p < visible; ++p) {
        const float* key = &k[((h / group) * positions + p) * s.head_dim];
        double dot = 0;
        for (int64_t d = 0; d < s.head_dim; ++d) dot += double{query[d]} * key[d];
        w[p] = dot / std::sqrt(static_cast<double>(s.head_dim));
        max = std::max(max, w[p]);
      }
      for (int64_t p = first; p < visible; ++p) total += (w[p] = std::exp(w[p] - max));
      for (int64_t p = first; p < visible; ++p) {
        const float* value = &v[((h / group) * positions + p) * s.head_dim];
        for (int64_t d = 0; d < s.head_dim; ++d) {
          out[(t * s.heads + h) * s.head_dim + d] += w[p] / total * value[d];
        }
      }
    }
  }
  return out;
}

class AttentionTest : public testing::TestWithParam<Case> {};

TEST_P(AttentionTest, MatchesTheFormula) {
  const Case c = GetParam();
  const AttentionShape shape{c.heads, c.kv_heads, c.head_dim, c.window};
  const int64_t positions = c.start + c.tokens;
  std::mt19937 rng(static_cast<int>(c.head_dim * 131 + c.start));
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> q(c.tokens * c.heads * c.head_dim);
  std::vector<float> k(c.kv_heads * positions * c.head_dim);
  std::vector<float> v(k.size());
  for (float& x : q) x = 2.0f * normal(rng);
  // The cache holds f16: round the inputs so the reference sees the same values.
  for (float& x : k) x = _cvtsh_ss(_cvtss_sh(normal(rng), 0));
  for (float& x : v) x = _cvtsh_ss(_cvtss_sh(normal(rng), 0));

  // The sequence's blocks, in a shuffled order among twice as many (the rest poisoned).
  const int64_t used = (positions + c.block_tokens - 1) / c.block_tokens;
  std::vector<int32_t> table(2 * used);
  std::iota(table.begin(), table.end(), 0);
  std::shuffle(table.begin(), table.end(), rng);
  const int64_t block_size = c.kv_heads * c.block_tokens * c.head_dim;
  std::vector<Half> k16(table.size() * block_size, 0x7e00), v16(k16.size(), 0x7e00);  // NaN.
  for (int64_t kv = 0; kv < c.kv_heads; ++kv) {
    for (int64_t p = 0; p < positions; ++p) {
      const int64_t block = table[p / c.block_tokens] * block_size, row = p % c.block_tokens;
      FloatToHalf(&v[(kv * positions + p) * c.head_dim], c.head_dim,
                  &v16[block + (kv * c.block_tokens + row) * c.head_dim]);
      for (int64_t d = 0; d < c.head_dim; ++d) {  // Keys: a row of positions per dimension.
        k16[block + (kv * c.head_dim + d) * c.block_tokens + row] =
            _cvtss_sh(k[(kv * positions + p) * c.head_dim + d], 0);
      }
    }
  }
  std::vector<float> out(q.size(), NAN);

  ThreadPool pool(static_cast<int>(c.threads));
  const AttentionSequence seq{c.tokens, c.start,
                              PagedKv{k16.data(), v16.data(), table.data(), c.block_tokens}};
  CausalAttention(shape, {seq}, q.data(), out.data(), pool);
  const std::vector<double> expected = Naive(shape, q, c.tokens, c.start, positions, k, v);
  for (size_t i = 0; i < out.size(); ++i) ASSERT_NEAR(out[i], expected[i], 1e-4) << i;

  // The same sequence twice in one call, behind a one-token sequence of its own: each
  // gets exactly what it gets alone.
  const int64_t row = c.heads * c.head_dim;
  std::vector<float> q3(row);
  q3.insert(q3.end(), q.begin(), q.end());
  q3.insert(q3.end(), q.begin(), q.end());
  std::vector<float> out3(q3.size(), NAN);
  const AttentionSequence first{1, 0, seq.kv};
  CausalAttention(shape, {first, seq, seq}, q3.data(), out3.data(), pool);
  for (size_t i = 0; i < out.size(); ++i) {
    ASSERT_EQ(out3[row + i], out[i]) << i;
    ASSERT_EQ(out3[row + out.size() + i], out[i]) << i;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, AttentionTest,
    testing::Values(Case{9, 3, 64, 0, 1, 1, 16},          // First token: attends only to itself.
                    Case{9, 3, 64, 300, 1, 2, 16},        // Decode across three chunks.
                    Case{4, 4, 128, 127, 2, 2, 16},       // Chunk boundary, plain multi-head.
                    Case{8, 1, 64, 10, 40, 3, 16},        // Prefill, multi-query.
                    Case{6, 2, 20, 50, 5, 2, 16},         // head_dim not a multiple of 8.
                    Case{14, 2, 64, 70, 2, 2, 16},        // Seven heads per kv head.
                    Case{4, 2, 64, 200, 3, 2, 7},         // Odd block size, runs of any length.
                    Case{4, 2, 64, 100, 3, 2, 8},         // One tile of eight positions a block.
                    Case{4, 2, 96, 100, 9, 2, 24},        // Tiles of sixteen and eight.
                    Case{4, 2, 64, 90, 4, 2, 256},        // One block larger than a chunk.
                    Case{4, 2, 64, 150, 6, 2, 16, 40}));  // Sliding window.

}  // namespace
}  // namespace llm::cpu
