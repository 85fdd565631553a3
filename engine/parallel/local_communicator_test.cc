// LocalGroup's collectives with every rank on its own thread: sums and gathers of
// rank-specific values, in rank order with identical bits everywhere, many rounds in a
// row, and a size mismatch reported on every rank instead of reading past a buffer.
#include "engine/parallel/local_communicator.h"

#include <cmath>
#include <functional>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace llm {
namespace {

// Runs fn(rank) for every rank of `group` on its own thread.
void OnEveryRank(LocalGroup& group, const std::function<void(Communicator&)>& fn) {
  std::vector<std::thread> threads;
  for (int r = 0; r < group.size(); ++r) threads.emplace_back([&, r] { fn(group.rank(r)); });
  for (std::thread& t : threads) t.join();
}

float Value(int rank, int round, int64_t i) {
  return std::sin(1.0f + rank * 7.3f + round + i * 0.37f);
}

TEST(LocalCommunicatorTest, AllReduceSumsInRankOrderOnEveryRank) {
  for (int size : {1, 2, 3, 4}) {
    LocalGroup group(size);
    constexpr int64_t kN = 1000;
    std::vector<std::vector<float>> results(size);
    OnEveryRank(group, [&](Communicator& comm) {
      EXPECT_EQ(comm.size(), size);
      for (int round = 0; round < 50; ++round) {
        std::vector<float> data(kN);
        for (int64_t i = 0; i < kN; ++i) data[i] = Value(comm.rank(), round, i);
        ASSERT_TRUE(comm.AllReduceSum(data.data(), kN).ok());
        for (int64_t i = 0; i < kN; ++i) {
          float expected = Value(0, round, i);
          for (int r = 1; r < size; ++r) expected += Value(r, round, i);
          ASSERT_EQ(data[i], expected) << "rank " << comm.rank() << " round " << round;
        }
        if (round == 49) results[comm.rank()] = data;
      }
    });
    for (int r = 1; r < size; ++r) EXPECT_EQ(results[r], results[0]);
  }
}

TEST(LocalCommunicatorTest, AllGatherPlacesEachRankInTurn) {
  LocalGroup group(3);
  OnEveryRank(group, [&](Communicator& comm) {
    for (int round = 0; round < 20; ++round) {
      std::vector<float> in(5), out(15, NAN);
      for (int64_t i = 0; i < 5; ++i) in[i] = Value(comm.rank(), round, i);
      ASSERT_TRUE(comm.AllGather(in.data(), 5, out.data()).ok());
      for (int r = 0; r < 3; ++r) {
        for (int64_t i = 0; i < 5; ++i) ASSERT_EQ(out[r * 5 + i], Value(r, round, i));
      }
    }
  });
}

TEST(LocalCommunicatorTest, MismatchedSizesFailOnEveryRank) {
  LocalGroup group(2);
  OnEveryRank(group, [&](Communicator& comm) {
    std::vector<float> data(8, 1.0f);
    const absl::Status status = comm.AllReduceSum(data.data(), comm.rank() == 0 ? 8 : 4);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(data, std::vector<float>(8, 1.0f));  // Untouched.
    // The group stays usable.
    ASSERT_TRUE(comm.AllReduceSum(data.data(), 8).ok());
    EXPECT_EQ(data[0], 2.0f);
  });
}

}  // namespace
}  // namespace llm
