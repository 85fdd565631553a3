// WriteKvCache on the GPU: f16 keys and values, packed or slices of fused [q | k | v] rows,
// land bit for bit in their slots, scattered over blocks in shuffled order, with a skipped
// token leaving its slot untouched; with a head size the kernel copies in 16-byte packets
// (64) and one it copies element by element (60). Skips visibly without a GPU.
#include "kernels/kv_cache/write_kv_cache.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <random>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/common/device.h"
#include "kernels/common/device_buffer.h"
#include "kernels/common/test_element.h"

namespace llm::kernels {
namespace {

// The parameters: fused rows or packed ones, and the head size.
class WriteKvCacheTest : public testing::TestWithParam<std::tuple<bool, int64_t>> {};

TEST_P(WriteKvCacheTest, StoresEachTokenInItsSlot) {
  absl::StatusOr<int> devices = CudaDeviceCount();
  if (!devices.ok()) GTEST_SKIP() << "needs a GPU: " << devices.status().message();

  const auto [fused, head_dim] = GetParam();
  constexpr int64_t kTokens = 40, kKvHeads = 3;
  const int64_t width = kKvHeads * head_dim;
  // Packed: the keys' rows, then the values'. Fused: each token's [q | k | v] row, as one
  // Q/K/V product leaves them (a q of 2 · width).
  const int64_t stride = fused ? 4 * width : 0;
  const KvCacheShape shape{.tokens = kTokens,
                           .kv_heads = kKvHeads,
                           .head_dim = head_dim,
                           .block_tokens = 16,
                           .token_stride = stride};
  const int64_t keys_at = fused ? 2 * width : 0, values_at = fused ? 3 * width : kTokens * width;
  const int64_t row_stride = fused ? stride : width;
  constexpr int32_t kBlocks = 6;

  // The sequence's blocks in a shuffled order; its last token is skipped (slot -1).
  std::vector<int32_t> table(kBlocks);
  std::iota(table.begin(), table.end(), 0);
  std::mt19937 rng(5);
  std::shuffle(table.begin(), table.end(), rng);
  std::uniform_real_distribution<float> value(-2.0f, 2.0f);
  std::vector<__half> rows(fused ? kTokens * stride : 2 * kTokens * width);
  for (__half& v : rows) v = Element<__half>::From(value(rng));
  std::vector<int64_t> slots(kTokens);
  for (int64_t t = 0; t < kTokens; ++t) {
    slots[t] = table[t / shape.block_tokens] * shape.block_tokens + t % shape.block_tokens;
  }
  slots.back() = -1;
  const size_t cache_bytes = kBlocks * kKvHeads * shape.block_tokens * head_dim * 2;
  absl::StatusOr<DeviceBuffer> dr = DeviceBuffer::FromHost(rows.data(), rows.size() * 2);
  absl::StatusOr<DeviceBuffer> ds = DeviceBuffer::FromHost(slots.data(), slots.size() * 8);
  absl::StatusOr<DeviceBuffer> key_cache = DeviceBuffer::Allocate(cache_bytes);
  absl::StatusOr<DeviceBuffer> value_cache = DeviceBuffer::Allocate(cache_bytes);
  ASSERT_TRUE(dr.ok() && ds.ok() && key_cache.ok() && value_cache.ok());
  ASSERT_TRUE(key_cache->Fill(0).ok() && value_cache->Fill(0).ok());
  const auto* base = static_cast<const __half*>(dr->data());
  ASSERT_TRUE(WriteKvCache(base + keys_at, base + values_at,
                           static_cast<const int64_t*>(ds->data()), key_cache->data(),
                           value_cache->data(), shape, DType::kF16, nullptr)
                  .ok());

  std::vector<uint16_t> gpu_keys(cache_bytes / 2), gpu_values(cache_bytes / 2);
  ASSERT_TRUE(key_cache->CopyToHost(gpu_keys.data(), cache_bytes).ok());
  ASSERT_TRUE(value_cache->CopyToHost(gpu_values.data(), cache_bytes).ok());
  // Token t's head h is row slots[t] % block_tokens of block slots[t] / block_tokens in
  // [blocks, kv_heads, block_tokens, head_dim]; the skipped slot stays zero.
  for (int64_t t = 0; t + 1 < kTokens; ++t) {
    const int64_t block = slots[t] / shape.block_tokens, row = slots[t] % shape.block_tokens;
    for (int64_t h = 0; h < kKvHeads; ++h) {
      const int64_t at = ((block * kKvHeads + h) * shape.block_tokens + row) * head_dim;
      const int64_t in = t * row_stride + h * head_dim;
      ASSERT_EQ(std::memcmp(&gpu_keys[at], &rows[keys_at + in], head_dim * 2), 0) << t;
      ASSERT_EQ(std::memcmp(&gpu_values[at], &rows[values_at + in], head_dim * 2), 0) << t;
    }
  }
  const int64_t last = kTokens - 1;
  const int64_t block = table[last / shape.block_tokens], row = last % shape.block_tokens;
  EXPECT_EQ(gpu_keys[(block * kKvHeads * shape.block_tokens + row) * head_dim], 0);
}

INSTANTIATE_TEST_SUITE_P(PackedAndFused, WriteKvCacheTest,
                         testing::Combine(testing::Bool(),
                                          testing::Values(int64_t{64}, int64_t{60})));

TEST(WriteKvCacheArgumentsTest, RejectsBadShapesWithoutTouchingTheDevice) {
  int dummy = 0;
  int64_t slot = 0;
  const KvCacheShape shape{.tokens = 1, .kv_heads = 1, .head_dim = 8, .block_tokens = 0};
  EXPECT_EQ(WriteKvCache(&dummy, &dummy, &slot, &dummy, &dummy, shape, DType::kF16, nullptr).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace llm::kernels
