// MoeAlign on the GPU against a plain stable counting sort on the CPU: exact counts,
// offsets and permutations, for router-like ids from decode to prefill sizes (one warp's
// run to many steps per warp), all assignments on one expert, ids out of range, and no
// tokens, with poisoned outputs. Skips visibly without a GPU; the argument checks run
// anywhere.
#include "kernels/moe/moe_align.h"

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/common/device.h"
#include "kernels/common/device_buffer.h"
#include "kernels/moe/moe_reference.h"

namespace llm::kernels {
namespace {

using testing_moe::AlignOnHost;
using testing_moe::DistinctExpertIds;
using testing_moe::HostAlignment;

// Runs MoeAlign over `ids` ([tokens, k]) and compares every output with the host's.
void ExpectMatchesHost(const std::vector<int32_t>& ids, int64_t tokens, int64_t k,
                       int64_t experts) {
  const HostAlignment expected = AlignOnHost(ids, experts);
  const size_t assignments = static_cast<size_t>(tokens * k);
  auto allocate = [](size_t count) { return DeviceBuffer::Allocate(count * sizeof(int32_t)); };
  absl::StatusOr<DeviceBuffer> d_ids = allocate(assignments), d_counts = allocate(experts),
                               d_offsets = allocate(experts + 1), d_sorted = allocate(assignments),
                               d_positions = allocate(assignments);
  ASSERT_TRUE(d_ids.ok() && d_counts.ok() && d_offsets.ok() && d_sorted.ok() && d_positions.ok());
  if (assignments > 0) {
    ASSERT_TRUE(d_ids->CopyFromHost(ids.data(), d_ids->size()).ok());
  }
  for (DeviceBuffer* buffer : {&*d_counts, &*d_offsets, &*d_sorted, &*d_positions}) {
    ASSERT_TRUE(buffer->Fill(0xff).ok());
  }
  ASSERT_TRUE(
      MoeAlign(static_cast<const int32_t*>(d_ids->data()), static_cast<int32_t*>(d_counts->data()),
               static_cast<int32_t*>(d_offsets->data()), static_cast<int32_t*>(d_sorted->data()),
               static_cast<int32_t*>(d_positions->data()), tokens, k, experts, nullptr)
          .ok());
  auto download = [](const DeviceBuffer& buffer) {
    std::vector<int32_t> host(buffer.size() / sizeof(int32_t));
    if (!host.empty()) {
      EXPECT_TRUE(buffer.CopyToHost(host.data(), buffer.size()).ok());
    }
    return host;
  };
  const std::vector<int32_t> counts = download(*d_counts), offsets = download(*d_offsets),
                             sorted = download(*d_sorted), positions = download(*d_positions);
  EXPECT_EQ(counts, expected.counts);
  EXPECT_EQ(offsets, expected.offsets);
  EXPECT_EQ(sorted, expected.sorted_assignments);
  EXPECT_EQ(positions, expected.assignment_positions);
}

struct Case {
  int64_t tokens;
  int64_t experts;
  int64_t k;
};

TEST(MoeAlignTest, MatchesStableCountingSort) {
  absl::StatusOr<int> devices = CudaDeviceCount();
  if (!devices.ok()) GTEST_SKIP() << "needs a GPU: " << devices.status().message();

  // 3 x 6 = 18 assignments leave most warps without any; 37 x 2 and 37 x 6 give each warp
  // a partial step; 1000 x 8 gives each warp 250, eight steps, the last partial.
  for (const Case& test : {Case{3, 64, 6}, Case{37, 8, 2}, Case{37, 64, 6}, Case{1000, 256, 8},
                           Case{4099, 8, 2}, Case{1, 1, 1}}) {
    SCOPED_TRACE(testing::Message()
                 << "tokens " << test.tokens << " experts " << test.experts << " k " << test.k);
    std::mt19937 rng(static_cast<int>(test.tokens + test.experts + test.k));
    const std::vector<int32_t> ids = DistinctExpertIds(rng, test.tokens, test.experts, test.k);
    ExpectMatchesHost(ids, test.tokens, test.k, test.experts);
  }
}

TEST(MoeAlignTest, OneExpertTakesEverything) {
  absl::StatusOr<int> devices = CudaDeviceCount();
  if (!devices.ok()) GTEST_SKIP() << "needs a GPU: " << devices.status().message();

  // Whole steps of 32 lanes in one group, and experts with no rows around it.
  constexpr int64_t kTokens = 777, kK = 2, kExperts = 16;
  std::vector<int32_t> ids(kTokens * kK);
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = i % kK == 0 ? 5 : 11;
  ExpectMatchesHost(ids, kTokens, kK, kExperts);
}

TEST(MoeAlignTest, IdsOutOfRangeGoToNoExpert) {
  absl::StatusOr<int> devices = CudaDeviceCount();
  if (!devices.ok()) GTEST_SKIP() << "needs a GPU: " << devices.status().message();

  constexpr int64_t kTokens = 37, kK = 6, kExperts = 64;
  std::mt19937 rng(99);
  std::vector<int32_t> ids = DistinctExpertIds(rng, kTokens, kExperts, kK);
  ids[0] = -1;
  ids[7] = kExperts;
  ids[100] = 1 << 30;
  ids[kTokens * kK - 1] = -5;
  ExpectMatchesHost(ids, kTokens, kK, kExperts);
}

TEST(MoeAlignTest, NoTokensStillWritesZeroCountsAndOffsets) {
  absl::StatusOr<int> devices = CudaDeviceCount();
  if (!devices.ok()) GTEST_SKIP() << "needs a GPU: " << devices.status().message();

  ExpectMatchesHost({}, 0, 2, 8);
}

TEST(MoeAlignArgumentsTest, RejectsBadArgumentsWithoutTouchingTheDevice) {
  int32_t dummy = 0;
  int32_t* p = &dummy;
  constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
  EXPECT_EQ(MoeAlign(nullptr, p, p, p, p, 4, 2, 8, nullptr).code(), kInvalid);
  EXPECT_EQ(MoeAlign(p, nullptr, p, p, p, 4, 2, 8, nullptr).code(), kInvalid);
  EXPECT_EQ(MoeAlign(p, p, nullptr, p, p, 4, 2, 8, nullptr).code(), kInvalid);
  EXPECT_EQ(MoeAlign(p, p, p, nullptr, p, 4, 2, 8, nullptr).code(), kInvalid);
  EXPECT_EQ(MoeAlign(p, p, p, p, nullptr, 4, 2, 8, nullptr).code(), kInvalid);
  EXPECT_EQ(MoeAlign(p, p, p, p, p, -1, 2, 8, nullptr).code(), kInvalid);
  EXPECT_EQ(MoeAlign(p, p, p, p, p, 4, 0, 8, nullptr).code(), kInvalid);
  EXPECT_EQ(MoeAlign(p, p, p, p, p, 4, 2, 0, nullptr).code(), kInvalid);
  EXPECT_EQ(MoeAlign(p, p, p, p, p, 4, 2, 257, nullptr).code(), kInvalid);
  EXPECT_EQ(MoeAlign(p, p, p, p, p, int64_t{1} << 30, 2, 8, nullptr).code(), kInvalid);
}

}  // namespace
}  // namespace llm::kernels
