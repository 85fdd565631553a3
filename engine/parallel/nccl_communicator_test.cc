// NcclGroup over this machine's GPUs (up to four), each rank on its own thread: sums and
// gathers of rank-specific values match the host's arithmetic. Skips visibly without a
// GPU.
#include "engine/parallel/nccl_communicator.h"

#include <cmath>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/common/device.h"
#include "kernels/common/device_buffer.h"

namespace llm {
namespace {

float Value(int rank, int64_t i) { return std::sin(0.5f + rank * 3.1f + i * 0.11f); }

TEST(NcclCommunicatorTest, AllReduceAndAllGatherMatchTheHost) {
  absl::StatusOr<int> devices = kernels::CudaDeviceCount();
  if (!devices.ok()) GTEST_SKIP() << "needs a GPU: " << devices.status().message();
  std::vector<int> ids;
  for (int d = 0; d < std::min(*devices, 4); ++d) ids.push_back(d);
  absl::StatusOr<std::unique_ptr<NcclGroup>> group = NcclGroup::Create(ids);
  ASSERT_TRUE(group.ok()) << group.status();
  const int size = (*group)->size();
  constexpr int64_t kN = 4096;

  std::vector<std::thread> threads;
  for (int r = 0; r < size; ++r) {
    threads.emplace_back([&, r] {
      Communicator& comm = (*group)->rank(r);
      ASSERT_TRUE(kernels::CudaSetDevice(ids[r]).ok());
      std::vector<float> host(kN);
      for (int64_t i = 0; i < kN; ++i) host[i] = Value(r, i);
      absl::StatusOr<kernels::DeviceBuffer> data =
          kernels::DeviceBuffer::FromHost(host.data(), kN * sizeof(float));
      absl::StatusOr<kernels::DeviceBuffer> gathered =
          kernels::DeviceBuffer::Allocate(size * kN * sizeof(float));
      ASSERT_TRUE(data.ok() && gathered.ok());
      ASSERT_TRUE(comm.AllGather(static_cast<float*>(data->data()), kN,
                                 static_cast<float*>(gathered->data()))
                      .ok());
      ASSERT_TRUE(comm.AllReduceSum(static_cast<float*>(data->data()), kN).ok());
      std::vector<float> sum(kN), all(size * kN);
      ASSERT_TRUE(data->CopyToHost(sum.data(), sum.size() * sizeof(float)).ok());
      ASSERT_TRUE(gathered->CopyToHost(all.data(), all.size() * sizeof(float)).ok());
      for (int64_t i = 0; i < kN; ++i) {
        float expected = 0.0f;
        for (int q = 0; q < size; ++q) {
          expected += Value(q, i);
          ASSERT_EQ(all[q * kN + i], Value(q, i));
        }
        ASSERT_NEAR(sum[i], expected, 1e-5f);
      }
    });
  }
  for (std::thread& t : threads) t.join();
}

TEST(NcclCommunicatorTest, RejectsDevicesThatDoNotExist) {
  absl::StatusOr<int> devices = kernels::CudaDeviceCount();
  if (!devices.ok()) GTEST_SKIP() << "needs a GPU: " << devices.status().message();
  EXPECT_EQ(NcclGroup::Create({*devices}).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace llm
