// PagedAttentionDecode on the GPU against the CPU backend's attention over the same f16
// values (engine/backend/cpu/attention.h; its keys relaid by dimension): sequences of 1 to 300
// positions over blocks scattered in shuffled order, grouped-query heads, with and without a
// sliding window. Skips visibly without a GPU.
#include "kernels/attention/paged_attention_decode.h"

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

class PagedAttentionDecodeTest : public testing::TestWithParam<int64_t> {};

TEST_P(PagedAttentionDecodeTest, MatchesTheCpuAttention) {
  absl::StatusOr<int> devices = CudaDeviceCount();
  if (!devices.ok()) GTEST_SKIP() << "needs a GPU: " << devices.status().message();

  using E = Element<__half>;
  const std::vector<int32_t> lengths = {1, 17, 130, 300};
  PagedAttentionShape shape{.sequences = static_cast<int64_t>(lengths.size()),
                            .heads = 8,
                            .kv_heads = 2,
                            .head_dim = 64,
                            .block_tokens = 16,
                            .max_blocks = 19,
                            .window = GetParam()};
  const int64_t total_blocks = shape.sequences * shape.max_blocks;
  const int64_t block_size = shape.kv_heads * shape.block_tokens * shape.head_dim;
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<__half> keys(total_blocks * block_size), values(keys.size());
  for (__half& v : keys) v = E::From(normal(rng));
  for (__half& v : values) v = E::From(normal(rng));
  std::vector<__half> q(shape.sequences * shape.heads * shape.head_dim);
  for (__half& v : q) v = E::From(2.0f * normal(rng));
  std::vector<int32_t> all_blocks(total_blocks);
  std::iota(all_blocks.begin(), all_blocks.end(), 0);
  std::shuffle(all_blocks.begin(), all_blocks.end(), rng);  // Each sequence gets its own.

  absl::StatusOr<DeviceBuffer> dq = Upload(q), dk = Upload(keys), dv = Upload(values);
  absl::StatusOr<DeviceBuffer> dt = Upload(all_blocks), dl = Upload(lengths);
  absl::StatusOr<DeviceBuffer> dout = DeviceBuffer::Allocate(q.size() * sizeof(__half));
  ASSERT_TRUE(dq.ok() && dk.ok() && dv.ok() && dt.ok() && dl.ok() && dout.ok());
  ASSERT_TRUE(dout->Fill(0xff).ok());
  ASSERT_TRUE(PagedAttentionDecode(dq->data(), dk->data(), dv->data(),
                                   static_cast<const int32_t*>(dt->data()),
                                   static_cast<const int32_t*>(dl->data()), dout->data(), shape,
                                   DType::kF16, nullptr)
                  .ok());
  std::vector<__half> out(q.size());
  ASSERT_TRUE(dout->CopyToHost(out.data(), dout->size()).ok());

  // The CPU cache keeps a block's keys by dimension ([kv_heads, head_dim, block_tokens]).
  std::vector<__half> cpu_keys(keys.size());
  for (int64_t b = 0; b < total_blocks; ++b) {
    for (int64_t h = 0; h < shape.kv_heads; ++h) {
      for (int64_t r = 0; r < shape.block_tokens; ++r) {
        for (int64_t d = 0; d < shape.head_dim; ++d) {
          const int64_t head = b * block_size + h * shape.block_tokens * shape.head_dim;
          cpu_keys[head + d * shape.block_tokens + r] = keys[head + r * shape.head_dim + d];
        }
      }
    }
  }
  cpu::ThreadPool pool(1);
  const cpu::AttentionShape cpu_shape{shape.heads, shape.kv_heads, shape.head_dim, shape.window};
  const int64_t row = shape.heads * shape.head_dim;
  for (int64_t s = 0; s < shape.sequences; ++s) {
    std::vector<float> query(row), expected(row);
    for (int64_t i = 0; i < row; ++i) query[i] = E::To(q[s * row + i]);
    const cpu::PagedKv kv{reinterpret_cast<const cpu::Half*>(cpu_keys.data()),
                          reinterpret_cast<const cpu::Half*>(values.data()),
                          &all_blocks[s * shape.max_blocks], shape.block_tokens};
    cpu::CausalAttention(cpu_shape, {cpu::AttentionSequence{1, lengths[s] - 1, kv}}, query.data(),
                         expected.data(), pool);
    for (int64_t i = 0; i < row; ++i) {
      ASSERT_NEAR(E::To(out[s * row + i]), expected[i], 4e-3f * (1.0f + std::fabs(expected[i])))
          << "sequence " << s << " value " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Windows, PagedAttentionDecodeTest, testing::Values(0, 40));

TEST(PagedAttentionDecodeArgumentsTest, RejectsUnevenGroupsWithoutTouchingTheDevice) {
  int dummy = 0;
  const PagedAttentionShape shape{.sequences = 1,
                                  .heads = 6,
                                  .kv_heads = 4,
                                  .head_dim = 64,
                                  .block_tokens = 16,
                                  .max_blocks = 1};
  EXPECT_EQ(PagedAttentionDecode(&dummy, &dummy, &dummy, &dummy, &dummy, &dummy, shape, DType::kF16,
                                 nullptr)
                .code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace llm::kernels
