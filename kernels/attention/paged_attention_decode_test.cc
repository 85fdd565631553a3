// PagedAttentionDecode on the GPU against the CPU backend's attention over the same f16
// values (engine/backend/cpu/attention.h; its keys relaid by dimension): sequences of 1 to
// 2000 positions over blocks scattered in shuffled order, for head sizes that take each of
// the kernel's lane layouts, grouped-query heads (one to two head tiles per kv head), with
// and without a sliding window, in one split or several, q packed or strided. Skips
// visibly without a GPU.
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

struct Case {
  int64_t heads, kv_heads, head_dim, window, splits;
  int64_t q_pad = 0;  // Poisoned elements after each sequence's query row (a strided q).
};

class PagedAttentionDecodeTest : public testing::TestWithParam<Case> {};

TEST_P(PagedAttentionDecodeTest, MatchesTheCpuAttention) {
  absl::StatusOr<int> devices = CudaDeviceCount();
  if (!devices.ok()) GTEST_SKIP() << "needs a GPU: " << devices.status().message();

  using E = Element<__half>;
  const std::vector<int32_t> lengths = {1, 17, 130, 300, 2000};
  const Case c = GetParam();
  PagedAttentionShape shape{.sequences = static_cast<int64_t>(lengths.size()),
                            .heads = c.heads,
                            .kv_heads = c.kv_heads,
                            .head_dim = c.head_dim,
                            .block_tokens = 16,
                            .max_blocks = 125,
                            .window = c.window,
                            .splits = c.splits,
                            .q_token_stride = c.q_pad > 0 ? c.heads * c.head_dim + c.q_pad : 0};
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

  const int64_t row = shape.heads * shape.head_dim;
  std::vector<__half> q_rows(shape.sequences * (row + c.q_pad), E::From(NAN));
  for (int64_t s = 0; s < shape.sequences; ++s) {
    std::copy_n(&q[s * row], row, &q_rows[s * (row + c.q_pad)]);
  }
  absl::StatusOr<DeviceBuffer> dq = Upload(q_rows), dk = Upload(keys), dv = Upload(values);
  absl::StatusOr<DeviceBuffer> dt = Upload(all_blocks), dl = Upload(lengths);
  absl::StatusOr<DeviceBuffer> dout = DeviceBuffer::Allocate(q.size() * sizeof(__half));
  absl::StatusOr<DeviceBuffer> workspace =
      DeviceBuffer::Allocate(std::max<size_t>(1, PagedAttentionDecodeWorkspace(shape)));
  ASSERT_TRUE(dq.ok() && dk.ok() && dv.ok() && dt.ok() && dl.ok() && dout.ok() && workspace.ok());
  ASSERT_TRUE(dout->Fill(0xff).ok());
  ASSERT_TRUE(workspace->Fill(0xff).ok());
  ASSERT_TRUE(PagedAttentionDecode(dq->data(), dk->data(), dv->data(),
                                   static_cast<const int32_t*>(dt->data()),
                                   static_cast<const int32_t*>(dl->data()), dout->data(), shape,
                                   DType::kF16, workspace->data(), nullptr)
                  .ok());
  if (c.splits > 0) {
    EXPECT_EQ(PagedAttentionDecodeSplits(shape), c.splits);
  }
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

// {heads, kv_heads, head_dim, window, splits}: head_dim 64, 80, 128 and 256 take 8, 16,
// 16 and 32 lanes a row; groups of 1, 2, 4, 6 and 8 heads (blocks serve 1, 2 or 4 of a
// group at once); splits 0 lets the kernel choose; the last reads q with a stride.
INSTANTIATE_TEST_SUITE_P(Shapes, PagedAttentionDecodeTest,
                         testing::Values(Case{8, 2, 64, 0, 0}, Case{8, 2, 64, 40, 3},
                                         Case{4, 4, 128, 0, 1}, Case{16, 2, 128, 0, 0},
                                         Case{6, 1, 80, 100, 5}, Case{2, 2, 256, 0, 2},
                                         Case{8, 4, 128, 40, 0}, Case{8, 2, 64, 0, 0, 40}));

TEST(PagedAttentionDecodeArgumentsTest, RejectsBadShapesWithoutTouchingTheDevice) {
  int dummy = 0;
  const PagedAttentionShape good{.sequences = 1,
                                 .heads = 8,
                                 .kv_heads = 4,
                                 .head_dim = 64,
                                 .block_tokens = 16,
                                 .max_blocks = 1,
                                 .splits = 2};
  auto run = [&](const PagedAttentionShape& shape, void* workspace) {
    return PagedAttentionDecode(&dummy, &dummy, &dummy, &dummy, &dummy, &dummy, shape, DType::kF16,
                                workspace, nullptr)
        .code();
  };
  PagedAttentionShape uneven = good, odd_head = good, wide_head = good, short_stride = good;
  uneven.heads = 6;
  odd_head.head_dim = 60;
  wide_head.head_dim = 512;
  short_stride.q_token_stride = 8 * 64 - 8;
  for (const PagedAttentionShape& shape : {uneven, odd_head, wide_head, short_stride}) {
    EXPECT_EQ(run(shape, &dummy), absl::StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(run(good, nullptr), absl::StatusCode::kInvalidArgument) << "splits, no workspace";
  EXPECT_EQ(PagedAttentionDecodeWorkspace(good), 1 * 8 * 2 * (64 + 2) * sizeof(float));
}

}  // namespace
}  // namespace llm::kernels
