#include "engine/backend/cpu/thread_pool.h"

#include <atomic>
#include <vector>

#include "gtest/gtest.h"

namespace llm::cpu {
namespace {

TEST(ThreadPoolTest, CoversEveryIndexExactlyOnce) {
  for (int threads : {1, 2, 3, 8}) {
    ThreadPool pool(threads);
    for (int64_t n : {0, 1, 7, 100, 1001}) {
      std::vector<std::atomic<int>> hits(n);
      for (int repeat = 0; repeat < 20; ++repeat) {
        pool.ParallelFor(n, 4, [&](int64_t begin, int64_t end) {
          for (int64_t i = begin; i < end; ++i) hits[i].fetch_add(1);
        });
      }
      for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 20) << threads << " " << n;
    }
  }
}

TEST(ThreadPoolTest, RangesRespectTheGrain) {
  ThreadPool pool(3);
  std::atomic<int> misaligned{0};
  pool.ParallelFor(96, 32, [&](int64_t begin, int64_t end) {
    if (begin % 32 != 0) misaligned.fetch_add(1);
  });
  EXPECT_EQ(misaligned.load(), 0);
}

}  // namespace
}  // namespace llm::cpu
