// The paged KV cache's memory: a pool of fixed-size blocks, each holding the keys and
// values of `block_tokens` consecutive positions of one sequence in every layer. Which
// blocks a sequence owns is its block table (block_manager.h hands blocks out); this
// class only stores and reads them.
#ifndef LLM_ENGINE_KV_CACHE_KV_BLOCKS_H_
#define LLM_ENGINE_KV_CACHE_KV_BLOCKS_H_

#include <cstdint>
#include <memory>

#include "engine/backend/cpu/attention.h"
#include "engine/backend/cpu/vec.h"
#include "engine/kv_cache/block_size.h"
#include "engine/model/model_config.h"

namespace llm {

class KvBlocks {
 public:
  // Pages are committed as blocks are first written, so a large pool costs nothing until
  // it fills.
  KvBlocks(const ModelConfig& config, int32_t count, int64_t block_tokens);

  // Bytes one block takes for `config` (keys and values, every layer, f16).
  static int64_t BlockBytes(const ModelConfig& config, int64_t block_tokens);
  // Blocks that fit in `bytes` (at least one).
  static int32_t CountFor(const ModelConfig& config, int64_t bytes, int64_t block_tokens);

  int32_t count() const { return count_; }
  int64_t block_tokens() const { return block_tokens_; }

  // Stores the keys and values ([kv_heads * head_dim] each) of `position` in `layer`, in
  // the block table[position / block_tokens].
  void Store(int64_t layer, const int32_t* table, int64_t position, const float* keys,
             const float* values);

  // One layer of the sequence whose block table is `table`, as attention reads it.
  cpu::PagedKv Layer(int64_t layer, const int32_t* table) const;

  // Copies block `from` to block `to` in every layer (copy on write of a shared block).
  void Copy(int32_t from, int32_t to);

 private:
  // Layout: [layers, count, block] with a block of keys [kv_heads, head_dim, block_tokens]
  // and a block of values [kv_heads, block_tokens, head_dim] (see cpu::PagedKv).
  int64_t Offset(int64_t layer, int32_t block) const {
    return (layer * count_ + block) * block_size_;
  }

  int32_t count_;
  int64_t block_tokens_;
  int64_t layers_;
  int64_t kv_heads_;
  int64_t head_dim_;
  int64_t block_size_;  // Elements of one block in one layer: kv_heads * block_tokens * head_dim.
  std::unique_ptr<cpu::Half[]> keys_, values_;
};

}  // namespace llm

#endif  // LLM_ENGINE_KV_CACHE_KV_BLOCKS_H_
