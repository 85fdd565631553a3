// WriteKvCache on the GPU: f16 keys and values land bit for bit in their slots, scattered
// over blocks in shuffled order, with a skipped token leaving its slot untouched. Skips
// visibly without a GPU.
#include "kernels/kv_cache/write_kv_cache.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/common/device.h"
#include "kernels/common/device_buffer.h"
#include "kernels/common/test_element.h"

namespace llm::kernels {
namespace {

TEST(WriteKvCacheTest, StoresEachTokenInItsSlot) {
  absl::StatusOr<int> devices = CudaDeviceCount();
  if (!devices.ok()) GTEST_SKIP() << "needs a GPU: " << devices.status().message();

  const KvCacheShape shape{.tokens = 40, .kv_heads = 3, .head_dim = 64, .block_tokens = 16};
  constexpr int32_t kBlocks = 6;

  // The sequence's blocks in a shuffled order; its last token is skipped (slot -1).
  std::vector<int32_t> table(kBlocks);
  std::iota(table.begin(), table.end(), 0);
  std::mt19937 rng(5);
  std::shuffle(table.begin(), table.end(), rng);
  std::uniform_real_distribution<float> value(-2.0f, 2.0f);
  const int64_t width = shape.kv_heads * shape.head_dim;
  std::vector<__half> keys16(shape.tokens * width), values16(keys16.size());
  for (__half& v : keys16) v = Element<__half>::From(value(rng));
  for (__half& v : values16) v = Element<__half>::From(value(rng));
  std::vector<int64_t> slots(shape.tokens);
  for (int64_t t = 0; t < shape.tokens; ++t) {
    slots[t] = table[t / shape.block_tokens] * shape.block_tokens + t % shape.block_tokens;
  }
  slots.back() = -1;
  const size_t cache_bytes = kBlocks * shape.kv_heads * shape.block_tokens * shape.head_dim * 2;
  absl::StatusOr<DeviceBuffer> dk = DeviceBuffer::Allocate(keys16.size() * 2);
  absl::StatusOr<DeviceBuffer> dv = DeviceBuffer::Allocate(values16.size() * 2);
  absl::StatusOr<DeviceBuffer> ds = DeviceBuffer::Allocate(slots.size() * sizeof(int64_t));
  absl::StatusOr<DeviceBuffer> key_cache = DeviceBuffer::Allocate(cache_bytes);
  absl::StatusOr<DeviceBuffer> value_cache = DeviceBuffer::Allocate(cache_bytes);
  ASSERT_TRUE(dk.ok() && dv.ok() && ds.ok() && key_cache.ok() && value_cache.ok());
  ASSERT_TRUE(dk->CopyFromHost(keys16.data(), dk->size()).ok());
  ASSERT_TRUE(dv->CopyFromHost(values16.data(), dv->size()).ok());
  ASSERT_TRUE(ds->CopyFromHost(slots.data(), ds->size()).ok());
  ASSERT_TRUE(key_cache->Fill(0).ok() && value_cache->Fill(0).ok());
  ASSERT_TRUE(WriteKvCache(dk->data(), dv->data(), static_cast<const int64_t*>(ds->data()),
                           key_cache->data(), value_cache->data(), shape, DType::kF16, nullptr)
                  .ok());

  std::vector<uint16_t> gpu_keys(cache_bytes / 2), gpu_values(cache_bytes / 2);
  ASSERT_TRUE(key_cache->CopyToHost(gpu_keys.data(), cache_bytes).ok());
  ASSERT_TRUE(value_cache->CopyToHost(gpu_values.data(), cache_bytes).ok());
  // Token t's head h is row slots[t] % block_tokens of block slots[t] / block_tokens in
  // [blocks, kv_heads, block_tokens, head_dim]; the skipped slot stays zero.
  for (int64_t t = 0; t + 1 < shape.tokens; ++t) {
    const int64_t block = slots[t] / shape.block_tokens, row = slots[t] % shape.block_tokens;
    for (int64_t h = 0; h < shape.kv_heads; ++h) {
      const int64_t at = ((block * shape.kv_heads + h) * shape.block_tokens + row) * shape.head_dim;
      const int64_t in = t * width + h * shape.head_dim;
      ASSERT_EQ(std::memcmp(&gpu_keys[at], &keys16[in], shape.head_dim * 2), 0) << t;
      ASSERT_EQ(std::memcmp(&gpu_values[at], &values16[in], shape.head_dim * 2), 0) << t;
    }
  }
  const int64_t last = shape.tokens - 1;
  const int64_t block = table[last / shape.block_tokens], row = last % shape.block_tokens;
  EXPECT_EQ(gpu_keys[(block * shape.kv_heads * shape.block_tokens + row) * shape.head_dim], 0);
}

TEST(WriteKvCacheArgumentsTest, RejectsBadShapesWithoutTouchingTheDevice) {
  int dummy = 0;
  int64_t slot = 0;
  const KvCacheShape shape{.tokens = 1, .kv_heads = 1, .head_dim = 8, .block_tokens = 0};
  EXPECT_EQ(WriteKvCache(&dummy, &dummy, &slot, &dummy, &dummy, shape, DType::kF16, nullptr).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace llm::kernels
