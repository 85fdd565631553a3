// PrefillAttention on the GPU against the CPU backend's attention over the same values
// (engine/backend/cpu/attention.h; its keys relaid by dimension), for each dtype: four
// sequences in one launch (a reused prefix, one token, a plain prefill of a length that is
// not a multiple of the tile, 200 tokens over 15 blocks), blocks scattered in shuffled
// order, grouped-query heads, head_dim 64 to 256, with and without a sliding window, q
// packed or strided. The inputs are drawn so that each is exact in f16 too (the CPU
// cache's type), whatever the dtype under test. Skips visibly without a GPU.
#include "kernels/attention/prefill_attention.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "engine/backend/cpu/attention.h"
#include "engine/backend/cpu/thread_pool.h"
#include "gtest/gtest.h"
#include "kernels/common/device.h"
#include "kernels/common/device_buffer.h"
#include "kernels/common/test_element.h"

namespace llm::kernels {
namespace {

template <typename T>
absl::StatusOr<DeviceBuffer> Upload(const std::vector<T>& host) {
  return DeviceBuffer::FromHost(host.data(), host.size() * sizeof(T));
}

// A random non-zero value in T that f16 holds exactly: rounded to f16 first, then to T
// (bf16 keeps 8 significant bits of f16's 11); at least 1/64 in magnitude, clear of f16's
// subnormals.
template <typename T>
T Draw(float sigma, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.0f, sigma);
  float x = 0.0f;
  while (std::fabs(x) < 1.0f / 64) x = __half2float(__float2half_rn(normal(rng)));
  return Element<T>::From(x);
}

template <typename T>
class PrefillAttentionTest : public testing::Test {};

TYPED_TEST_SUITE(PrefillAttentionTest, ElementTypes);

TYPED_TEST(PrefillAttentionTest, MatchesTheCpuAttention) {
  absl::StatusOr<int> devices = CudaDeviceCount();
  if (!devices.ok()) GTEST_SKIP() << "needs a GPU: " << devices.status().message();

  using E = Element<TypeParam>;
  const std::vector<int32_t> q_lens = {37, 1, 45, 200};
  const std::vector<int32_t> context_lens = {150, 77, 45, 230};
  std::vector<int32_t> q_starts(q_lens.size() + 1, 0);
  std::partial_sum(q_lens.begin(), q_lens.end(), q_starts.begin() + 1);
  const int64_t tokens = q_starts.back();
  struct Config {
    int64_t head_dim, window;
    int64_t q_pad = 0;  // Poisoned elements after each token's query row (a strided q).
  };
  for (const Config config :
       {Config{128, 0}, Config{128, 40}, Config{64, 0, 24}, Config{256, 70}}) {
    SCOPED_TRACE(testing::Message() << "head_dim " << config.head_dim << " window " << config.window
                                    << " q_pad " << config.q_pad);
    const PrefillAttentionShape shape{
        .sequences = static_cast<int64_t>(q_lens.size()),
        .heads = 8,
        .kv_heads = 2,
        .head_dim = config.head_dim,
        .block_tokens = 16,
        .max_blocks = 15,
        .max_q_len = 200,
        .window = config.window,
        .q_token_stride = config.q_pad > 0 ? 8 * config.head_dim + config.q_pad : 0};
    const int64_t total_blocks = shape.sequences * shape.max_blocks;
    const int64_t block_size = shape.kv_heads * shape.block_tokens * shape.head_dim;
    std::mt19937 rng(static_cast<unsigned>(17 + config.head_dim + config.window));
    std::vector<TypeParam> keys(total_blocks * block_size), values(keys.size());
    for (TypeParam& v : keys) v = Draw<TypeParam>(1.0f, rng);
    for (TypeParam& v : values) v = Draw<TypeParam>(1.0f, rng);
    std::vector<TypeParam> q(tokens * shape.heads * shape.head_dim);
    for (TypeParam& v : q) v = Draw<TypeParam>(2.0f, rng);
    std::vector<int32_t> all_blocks(total_blocks);
    std::iota(all_blocks.begin(), all_blocks.end(), 0);
    std::shuffle(all_blocks.begin(), all_blocks.end(), rng);  // Each sequence gets its own.

    const int64_t row = shape.heads * shape.head_dim;
    std::vector<TypeParam> q_rows(tokens * (row + config.q_pad), E::From(NAN));
    for (int64_t t = 0; t < tokens; ++t) {
      std::copy_n(&q[t * row], row, &q_rows[t * (row + config.q_pad)]);
    }
    absl::StatusOr<DeviceBuffer> dq = Upload(q_rows), dk = Upload(keys), dv = Upload(values);
    absl::StatusOr<DeviceBuffer> dt = Upload(all_blocks), ds = Upload(q_starts),
                                 dl = Upload(context_lens);
    absl::StatusOr<DeviceBuffer> dout = DeviceBuffer::Allocate(q.size() * sizeof(TypeParam));
    ASSERT_TRUE(dq.ok() && dk.ok() && dv.ok() && dt.ok() && ds.ok() && dl.ok() && dout.ok());
    ASSERT_TRUE(dout->Fill(0xff).ok());
    const absl::Status status = PrefillAttention(
        dq->data(), dk->data(), dv->data(), static_cast<const int32_t*>(dt->data()),
        static_cast<const int32_t*>(ds->data()), static_cast<const int32_t*>(dl->data()),
        dout->data(), shape, E::kDType, nullptr);
    ASSERT_TRUE(status.ok()) << status;
    std::vector<TypeParam> out(q.size());
    ASSERT_TRUE(dout->CopyToHost(out.data(), dout->size()).ok());

    // The CPU cache holds f16 and keeps a block's keys by dimension ([kv_heads, head_dim,
    // block_tokens]).
    std::vector<__half> cpu_keys(keys.size()), cpu_values(values.size());
    for (int64_t b = 0; b < total_blocks; ++b) {
      for (int64_t h = 0; h < shape.kv_heads; ++h) {
        for (int64_t r = 0; r < shape.block_tokens; ++r) {
          for (int64_t d = 0; d < shape.head_dim; ++d) {
            const int64_t head = b * block_size + h * shape.block_tokens * shape.head_dim;
            cpu_keys[head + d * shape.block_tokens + r] =
                __float2half_rn(E::To(keys[head + r * shape.head_dim + d]));
          }
        }
      }
    }
    for (size_t i = 0; i < values.size(); ++i) cpu_values[i] = __float2half_rn(E::To(values[i]));
    std::vector<cpu::AttentionSequence> sequences;
    for (int64_t s = 0; s < shape.sequences; ++s) {
      const cpu::PagedKv kv{reinterpret_cast<const cpu::Half*>(cpu_keys.data()),
                            reinterpret_cast<const cpu::Half*>(cpu_values.data()),
                            &all_blocks[s * shape.max_blocks], shape.block_tokens};
      sequences.push_back({q_lens[s], context_lens[s] - q_lens[s], kv});
    }
    std::vector<float> query(q.size()), expected(q.size());
    for (size_t i = 0; i < q.size(); ++i) query[i] = E::To(q[i]);
    cpu::ThreadPool pool(1);
    cpu::CausalAttention({shape.heads, shape.kv_heads, shape.head_dim, shape.window}, sequences,
                         query.data(), expected.data(), pool);

    const float tolerance = std::max(2 * E::kTolerance, 1e-4f);
    for (int64_t s = 0; s < shape.sequences; ++s) {
      for (int64_t i = q_starts[s] * row; i < q_starts[s + 1] * row; ++i) {
        ASSERT_NEAR(E::To(out[i]), expected[i], tolerance * (1.0f + std::fabs(expected[i])))
            << "sequence " << s << " token " << i / row - q_starts[s] << " head "
            << i % row / shape.head_dim << " dim " << i % shape.head_dim;
      }
    }
  }
}

TEST(PrefillAttentionArgumentsTest, RejectsBadShapesWithoutTouchingTheDevice) {
  int dummy = 0;
  const PrefillAttentionShape good{.sequences = 1,
                                   .heads = 8,
                                   .kv_heads = 2,
                                   .head_dim = 64,
                                   .block_tokens = 16,
                                   .max_blocks = 1,
                                   .max_q_len = 16};
  auto code = [&](const PrefillAttentionShape& shape) {
    return PrefillAttention(&dummy, &dummy, &dummy, &dummy, &dummy, &dummy, &dummy, shape,
                            DType::kF16, nullptr)
        .code();
  };
  PrefillAttentionShape uneven = good;
  uneven.heads = 6;
  uneven.kv_heads = 4;
  EXPECT_EQ(code(uneven), absl::StatusCode::kInvalidArgument);
  for (const int64_t head_dim : {0, 100, 264, 512}) {
    PrefillAttentionShape shape = good;
    shape.head_dim = head_dim;
    EXPECT_EQ(code(shape), absl::StatusCode::kInvalidArgument) << "head_dim " << head_dim;
  }
  PrefillAttentionShape negative_window = good;
  negative_window.window = -1;
  EXPECT_EQ(code(negative_window), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PrefillAttention(&dummy, &dummy, &dummy, &dummy, nullptr, &dummy, &dummy, good,
                             DType::kF16, nullptr)
                .code(),
            absl::StatusCode::kInvalidArgument);
  // Nothing to compute: no launch, so no device needed either.
  PrefillAttentionShape empty = good;
  empty.max_q_len = 0;
  EXPECT_TRUE(PrefillAttention(&dummy, &dummy, &dummy, &dummy, &dummy, &dummy, &dummy, empty,
                               DType::kF16, nullptr)
                  .ok());
}

}  // namespace
}  // namespace llm::kernels
