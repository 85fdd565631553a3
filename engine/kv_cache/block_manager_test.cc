#include "engine/kv_cache/block_manager.h"

#include <vector>

#include "gtest/gtest.h"

namespace llm {
namespace {

// Fills blocks for `tokens` (whole blocks of 4) the way a sequence does: allocate,
// then publish each once full.
std::vector<int32_t> Prefill(BlockManager& manager, const std::vector<int32_t>& tokens) {
  std::vector<int32_t> table;
  for (size_t i = 0; i < tokens.size() / 4; ++i) {
    table.push_back(*manager.Allocate());
    manager.Publish(table.back(), i == 0 ? -1 : table[i - 1],
                    absl::MakeConstSpan(tokens).subspan(4 * i, 4));
  }
  return table;
}

void ReleaseAll(BlockManager& manager, const std::vector<int32_t>& table) {
  for (auto it = table.rbegin(); it != table.rend(); ++it) manager.Release(*it);
}

TEST(BlockManagerTest, AllocatesUntilEveryBlockIsHeld) {
  BlockManager manager(3, 4);
  std::vector<int32_t> got;
  for (int i = 0; i < 3; ++i) got.push_back(*manager.Allocate());
  EXPECT_EQ(manager.held(), 3);
  EXPECT_EQ(manager.available(), 0);
  EXPECT_FALSE(manager.Allocate().has_value());
  manager.Release(got[1]);
  EXPECT_EQ(manager.available(), 1);
  EXPECT_EQ(manager.cached(), 0);  // Never published: free, not cached.
  EXPECT_EQ(*manager.Allocate(), got[1]);
}

TEST(BlockManagerTest, AReleasedPrefixIsFoundAgain) {
  BlockManager manager(8, 4);
  const std::vector<int32_t> prompt = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  const std::vector<int32_t> table = Prefill(manager, prompt);
  ReleaseAll(manager, table);
  EXPECT_EQ(manager.held(), 0);
  EXPECT_EQ(manager.cached(), 2);

  // Same first 8 tokens, different tail: both full blocks hit.
  const std::vector<int32_t> hits =
      manager.AcquirePrefix(std::vector<int32_t>{1, 2, 3, 4, 5, 6, 7, 8, 42}, 10);
  EXPECT_EQ(hits, table);
  EXPECT_EQ(manager.held(), 2);
  EXPECT_EQ(manager.cached(), 0);
  ReleaseAll(manager, hits);

  // At most max_blocks.
  EXPECT_EQ(manager.AcquirePrefix(prompt, 1), std::vector<int32_t>{table[0]});
  manager.Release(table[0]);
}

TEST(BlockManagerTest, ABlockHitsOnlyAfterTheSamePrefix) {
  BlockManager manager(8, 4);
  ReleaseAll(manager, Prefill(manager, {1, 2, 3, 4, 5, 6, 7, 8}));
  // The second block's tokens after a different first block: no hit at all.
  EXPECT_TRUE(manager.AcquirePrefix(std::vector<int32_t>{9, 9, 9, 9, 5, 6, 7, 8}, 2).empty());
  // The second block's tokens at the start: no hit.
  EXPECT_TRUE(manager.AcquirePrefix(std::vector<int32_t>{5, 6, 7, 8}, 1).empty());
  // A change in the first block misses both.
  EXPECT_TRUE(manager.AcquirePrefix(std::vector<int32_t>{1, 2, 3, 0, 5, 6, 7, 8}, 2).empty());
  EXPECT_EQ(manager.held(), 0);
}

TEST(BlockManagerTest, EvictsTheLeastRecentlyUsedCachedBlockWhenFull) {
  BlockManager manager(4, 4);
  const std::vector<int32_t> a = {1, 1, 1, 1, 2, 2, 2, 2};
  const std::vector<int32_t> b = {3, 3, 3, 3, 4, 4, 4, 4};
  const std::vector<int32_t> table_a = Prefill(manager, a);
  const std::vector<int32_t> table_b = Prefill(manager, b);
  ReleaseAll(manager, table_a);
  ReleaseAll(manager, table_b);
  EXPECT_EQ(manager.cached(), 4);
  EXPECT_EQ(manager.available(), 4);

  // Using a again makes b the least recently used.
  ReleaseAll(manager, manager.AcquirePrefix(a, 2));
  // New blocks reclaim b's last block first (released first), then b's first.
  EXPECT_EQ(*manager.Allocate(), table_b[1]);
  EXPECT_EQ(*manager.Allocate(), table_b[0]);
  EXPECT_TRUE(manager.AcquirePrefix(b, 2).empty());
  EXPECT_EQ(manager.AcquirePrefix(a, 2), table_a);  // Still cached.
}

TEST(BlockManagerTest, SequencesGrowingInTurnKeepTheirBlocksSideBySide) {
  BlockManager manager(64, 4);
  std::vector<std::vector<int32_t>> tables(4);
  for (int step = 0; step < 8; ++step) {
    for (auto& table : tables)
      table.push_back(*manager.Allocate(table.empty() ? -1 : table.back()));
  }
  for (const auto& table : tables) {
    for (size_t i = 1; i < table.size(); ++i) EXPECT_EQ(table[i], table[i - 1] + 1);
  }
  // Once the pool is full, a taken successor sends the sequence elsewhere.
  ReleaseAll(manager, tables[1]);
  while (manager.available() > 0) manager.Allocate();
  manager.Release(tables[2][0]);
  EXPECT_EQ(manager.Allocate(tables[0].back()), tables[2][0]);
}

TEST(BlockManagerTest, SharedBlocksStayHeldUntilTheLastHolderReleases) {
  BlockManager manager(2, 4);
  const int32_t block = *manager.Allocate();
  manager.Hold(block);
  EXPECT_EQ(manager.holders(block), 2);
  manager.Release(block);
  EXPECT_EQ(manager.held(), 1);
  manager.Release(block);
  EXPECT_EQ(manager.held(), 0);
  EXPECT_EQ(manager.available(), 2);
}

TEST(BlockManagerTest, ADuplicatePrefixKeepsTheFirstBlock) {
  BlockManager manager(4, 4);
  const std::vector<int32_t> prompt = {5, 6, 7, 8};
  const std::vector<int32_t> first = Prefill(manager, prompt);
  const std::vector<int32_t> second = Prefill(manager, prompt);  // Computed concurrently.
  ReleaseAll(manager, second);
  EXPECT_EQ(manager.cached(), 0);  // The duplicate is simply freed.
  ReleaseAll(manager, first);
  EXPECT_EQ(manager.AcquirePrefix(prompt, 1), first);
}

}  // namespace
}  // namespace llm
