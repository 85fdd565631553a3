#include "engine/kv_cache/kv_blocks.h"

#include <algorithm>
#include <cstdint>

namespace llm {

KvBlocks::KvBlocks(const ModelConfig& config, int32_t count, int64_t block_tokens)
    : count_(count),
      block_tokens_(block_tokens),
      layers_(config.num_layers),
      kv_heads_(config.num_kv_heads),
      head_dim_(config.head_dim),
      block_size_(kv_heads_ * block_tokens * head_dim_),
      keys_(std::make_unique_for_overwrite<cpu::Half[]>(layers_ * count * block_size_)),
      values_(std::make_unique_for_overwrite<cpu::Half[]>(layers_ * count * block_size_)) {}

int64_t KvBlocks::BlockBytes(const ModelConfig& config, int64_t block_tokens) {
  return 2 * config.num_layers * config.num_kv_heads * block_tokens * config.head_dim *
         static_cast<int64_t>(sizeof(cpu::Half));
}

int32_t KvBlocks::CountFor(const ModelConfig& config, int64_t bytes, int64_t block_tokens) {
  return static_cast<int32_t>(
      std::clamp<int64_t>(bytes / BlockBytes(config, block_tokens), 1, INT32_MAX));
}

void KvBlocks::Store(int64_t layer, const int32_t* table, int64_t position, const float* keys,
                     const float* values) {
  const int64_t block = Offset(layer, table[position / block_tokens_]);
  const int64_t row = position % block_tokens_;
  cpu::FloatToHalfStrided(keys, kv_heads_ * head_dim_, block_tokens_, &keys_[block + row]);
  for (int64_t h = 0; h < kv_heads_; ++h) {
    cpu::FloatToHalf(values + h * head_dim_, head_dim_,
                     &values_[block + (h * block_tokens_ + row) * head_dim_]);
  }
}

cpu::PagedKv KvBlocks::Layer(int64_t layer, const int32_t* table) const {
  return {&keys_[Offset(layer, 0)], &values_[Offset(layer, 0)], table, block_tokens_};
}

void KvBlocks::Copy(int32_t from, int32_t to) {
  for (int64_t layer = 0; layer < layers_; ++layer) {
    std::copy_n(&keys_[Offset(layer, from)], block_size_, &keys_[Offset(layer, to)]);
    std::copy_n(&values_[Offset(layer, from)], block_size_, &values_[Offset(layer, to)]);
  }
}

}  // namespace llm
