// The KV cache's unit: blocks of a fixed number of positions.
#ifndef LLM_ENGINE_KV_CACHE_BLOCK_SIZE_H_
#define LLM_ENGINE_KV_CACHE_BLOCK_SIZE_H_

#include <cstdint>

namespace llm {

// Positions per block unless configured: small enough that prefix sharing and the last
// block's slack waste little, large enough that attention reads long runs. The engine
// and the CLI use the same size, so attention sums in the same order in both.
inline constexpr int64_t kDefaultBlockTokens = 16;

// Blocks that hold `positions` positions.
inline int64_t BlocksFor(int64_t positions, int64_t block_tokens) {
  return (positions + block_tokens - 1) / block_tokens;
}

}  // namespace llm

#endif  // LLM_ENGINE_KV_CACHE_BLOCK_SIZE_H_
