#include "engine/kv_cache/block_manager.h"

#include <algorithm>

#include "absl/hash/hash.h"

namespace llm {

BlockManager::BlockManager(int32_t blocks, int64_t block_tokens)
    : block_tokens_(block_tokens), blocks_(blocks), free_(blocks, true), free_count_(blocks) {}

uint64_t BlockManager::Chain(uint64_t previous_hash, absl::Span<const int32_t> tokens) {
  return absl::HashOf(previous_hash, tokens);
}

std::vector<int32_t> BlockManager::AcquirePrefix(absl::Span<const int32_t> tokens,
                                                 int64_t max_blocks) {
  std::vector<int32_t> hits;
  uint64_t hash = 0;
  const int64_t full = std::min<int64_t>(max_blocks, tokens.size() / block_tokens_);
  for (int64_t i = 0; i < full; ++i) {
    const absl::Span<const int32_t> block_tokens = tokens.subspan(i * block_tokens_, block_tokens_);
    const uint64_t previous = hash;
    hash = Chain(previous, block_tokens);
    const auto it = by_hash_.find(hash);
    if (it == by_hash_.end()) break;
    const Block& block = blocks_[it->second];
    if (block.previous_hash != previous ||
        !std::equal(block.tokens.begin(), block.tokens.end(), block_tokens.begin())) {
      break;
    }
    Hold(it->second);
    hits.push_back(it->second);
  }
  return hits;
}

std::optional<int32_t> BlockManager::Allocate(int32_t after) {
  if (free_count_ == 0) {
    for (size_t n = std::max<size_t>(1, lru_.size() / 16); n > 0 && !lru_.empty(); --n) {
      const int32_t block = lru_.front();
      lru_.pop_front();
      Forget(block);
      free_[block] = true;
      ++free_count_;
    }
    if (free_count_ == 0) return std::nullopt;
  }
  const int32_t next = after + 1;
  const int32_t block =
      after >= 0 && next < total() && free_[next] ? next : MiddleOfLongestFreeRun();
  free_[block] = false;
  --free_count_;
  blocks_[block].holders = 1;
  ++held_;
  return block;
}

int32_t BlockManager::MiddleOfLongestFreeRun() const {
  int32_t best_start = 0, best_length = 0;
  for (int32_t b = 0; b < total();) {
    const int32_t start = b;
    while (b < total() && free_[b]) ++b;
    if (b - start > best_length) {
      best_start = start;
      best_length = b - start;
    }
    if (b == start) ++b;
  }
  return best_start + best_length / 2;
}

void BlockManager::Hold(int32_t block) {
  Block& b = blocks_[block];
  if (b.holders++ > 0) return;
  lru_.erase(b.lru);  // Only a cached block has no holders.
  ++held_;
}

void BlockManager::Release(int32_t block) {
  Block& b = blocks_[block];
  if (--b.holders > 0) return;
  --held_;
  if (b.published) {
    b.lru = lru_.insert(lru_.end(), block);
  } else {
    Forget(block);
    free_[block] = true;
    ++free_count_;
  }
}

void BlockManager::Publish(int32_t block, int32_t previous, absl::Span<const int32_t> tokens) {
  Block& b = blocks_[block];
  if (b.published || !b.tokens.empty()) return;  // Taken from the cache, or published already.
  b.previous_hash = previous < 0 ? 0 : blocks_[previous].hash;
  b.hash = Chain(b.previous_hash, tokens);
  b.tokens.assign(tokens.begin(), tokens.end());
  b.published = by_hash_.emplace(b.hash, block).second;
}

void BlockManager::Forget(int32_t block) {
  Block& b = blocks_[block];
  if (b.published) by_hash_.erase(b.hash);
  b.published = false;
  b.tokens.clear();
}

}  // namespace llm
