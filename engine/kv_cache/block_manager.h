// Hands out the KV pool's blocks (kv_blocks.h) and remembers which full blocks hold
// which token prefix: the prefix cache.
//
// A block is free, held (by one sequence, or by several choices of one request that
// share their prompt), or cached: no sequence holds it, but it holds a known prefix, and
// a later prompt that starts with that prefix takes it back instead of recomputing it.
// Cached blocks are reclaimed least recently used first once no free block is left.
//
// A full block is known by a hash chained over every token of the prefix through it, so
// the same tokens after a different prefix are a different block. A hit also compares
// the block's own tokens and its predecessor's hash: a false hit needs a 64-bit hash
// collision on the same block of tokens.
#ifndef LLM_ENGINE_KV_CACHE_BLOCK_MANAGER_H_
#define LLM_ENGINE_KV_CACHE_BLOCK_MANAGER_H_

#include <cstdint>
#include <list>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/types/span.h"

namespace llm {

class BlockManager {
 public:
  BlockManager(int32_t blocks, int64_t block_tokens);

  int32_t total() const { return static_cast<int32_t>(blocks_.size()); }
  int64_t block_tokens() const { return block_tokens_; }
  // Blocks some sequence holds.
  int32_t held() const { return held_; }
  // Blocks only the prefix cache keeps.
  int32_t cached() const { return static_cast<int32_t>(lru_.size()); }
  // What Allocate can still give: free and cached blocks.
  int32_t available() const { return total() - held_; }
  // Sequences holding `block`.
  int32_t holders(int32_t block) const { return blocks_[block].holders; }

  // Holds and returns the cached blocks that store the first full blocks of `tokens`, in
  // order, at most `max_blocks`: the longest cached prefix.
  std::vector<int32_t> AcquirePrefix(absl::Span<const int32_t> tokens, int64_t max_blocks);

  // A block to write, held once; nullopt when every block is held. Block `after` + 1
  // when it is free (pass a sequence's last block: side by side, its blocks reach
  // attention as one stream, which reads them 2.4x faster than scattered ones); else
  // the middle of the longest run of free blocks, leaving room to grow for this sequence
  // and for the one before the run. With no block free, the least recently used cached
  // blocks are freed first (forgetting what they held), a sixteenth of the cache at a
  // time: a finished sequence's blocks leave the cache together and free a whole run.
  std::optional<int32_t> Allocate(int32_t after = -1);

  // One more holder of a held block (a choice forked from another).
  void Hold(int32_t block);

  // One holder fewer. With none left the block is cached if it holds a published
  // prefix, else free. Release a sequence's blocks last first, so that the cache
  // reclaims a prefix's later blocks before its first ones.
  void Release(int32_t block);

  // Records that held `block` is full and stores `tokens` (block_tokens of them) right
  // after the prefix that ends with block `previous` (-1 for the first block of a
  // sequence; it must have been published before). A prefix already cached in another
  // block keeps that one.
  void Publish(int32_t block, int32_t previous, absl::Span<const int32_t> tokens);

 private:
  struct Block {
    int32_t holders = 0;
    bool published = false;
    uint64_t hash = 0;           // Of the prefix through this block, once published.
    uint64_t previous_hash = 0;  // Of the prefix before it.
    std::vector<int32_t> tokens;
    std::list<int32_t>::iterator lru;  // Valid while cached.
  };

  static uint64_t Chain(uint64_t previous_hash, absl::Span<const int32_t> tokens);
  int32_t MiddleOfLongestFreeRun() const;
  // Takes `block` out of the prefix index (it is about to hold something else).
  void Forget(int32_t block);

  int64_t block_tokens_;
  std::vector<Block> blocks_;
  int32_t held_ = 0;
  std::vector<bool> free_;  // Per block: neither held nor cached.
  int32_t free_count_;
  std::list<int32_t> lru_;                          // Cached blocks, least recently used first.
  absl::flat_hash_map<uint64_t, int32_t> by_hash_;  // Prefix hash → the block that keeps it.
};

}  // namespace llm

#endif  // LLM_ENGINE_KV_CACHE_BLOCK_MANAGER_H_
