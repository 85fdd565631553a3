// CudaGraphCache on the GPU: the first run of a bucket captures, later runs replay
// without calling the enqueue function again and read the buffers' current contents;
// each bucket has its own graph; a failed capture leaves the stream usable. DecodeBucket
// runs without a GPU.
#include "kernels/common/cuda_graph.h"

#include <cuda_runtime_api.h>

#include <vector>

#include "gtest/gtest.h"
#include "kernels/common/device_buffer.h"

namespace llm::kernels {
namespace {

TEST(DecodeBucketTest, PadsToFewBuckets) {
  EXPECT_EQ(DecodeBucket(1), 1);
  EXPECT_EQ(DecodeBucket(3), 4);
  EXPECT_EQ(DecodeBucket(8), 8);
  EXPECT_EQ(DecodeBucket(9), 16);
  EXPECT_EQ(DecodeBucket(17), 24);
  EXPECT_EQ(DecodeBucket(256), 256);
  EXPECT_EQ(DecodeBucket(257), 0);
  for (int64_t n = 1; n <= kMaxGraphBatch; ++n) {
    ASSERT_GE(DecodeBucket(n), n);
    ASSERT_LE(DecodeBucket(n), n < 8 ? 2 * n : n + 7);
  }
}

TEST(CudaGraphCacheTest, CapturesOnceAndReplaysCurrentContents) {
  absl::StatusOr<int> devices = CudaDeviceCount();
  if (!devices.ok()) GTEST_SKIP() << "needs a GPU: " << devices.status().message();
  cudaStream_t stream = nullptr;
  ASSERT_EQ(cudaStreamCreate(&stream), cudaSuccess);
  constexpr size_t kBytes = 1 << 20;
  absl::StatusOr<DeviceBuffer> in = DeviceBuffer::Allocate(kBytes);
  absl::StatusOr<DeviceBuffer> out = DeviceBuffer::Allocate(kBytes);
  ASSERT_TRUE(in.ok() && out.ok());
  int captures = 0;
  auto copy = [&](cudaStream_t s) {
    ++captures;
    return cudaMemcpyAsync(out->data(), in->data(), kBytes, cudaMemcpyDeviceToDevice, s) ==
                   cudaSuccess
               ? absl::OkStatus()
               : absl::InternalError("cudaMemcpyAsync");
  };
  CudaGraphCache graphs;
  for (uint8_t round = 1; round <= 3; ++round) {
    std::vector<uint8_t> data(kBytes, round), got(kBytes, 0);
    ASSERT_TRUE(in->CopyFromHost(data.data(), kBytes).ok());
    ASSERT_TRUE(out->Fill(0xff).ok());
    ASSERT_TRUE(graphs.Run(DecodeBucket(5), stream, copy).ok());
    ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
    ASSERT_TRUE(out->CopyToHost(got.data(), kBytes).ok());
    EXPECT_EQ(got, data) << "round " << int{round};
  }
  EXPECT_EQ(captures, 1);
  ASSERT_TRUE(graphs.Run(DecodeBucket(12), stream, copy).ok());
  EXPECT_EQ(captures, 2);
  EXPECT_EQ(graphs.size(), 2u);

  // A capture whose enqueue fails reports it, keeps no graph, and the stream works on.
  EXPECT_FALSE(graphs.Run(64, stream, [](cudaStream_t) { return absl::InternalError("no"); }).ok());
  EXPECT_EQ(graphs.size(), 2u);
  EXPECT_EQ(cudaMemsetAsync(out->data(), 0, kBytes, stream), cudaSuccess);
  EXPECT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
  cudaStreamDestroy(stream);
}

}  // namespace
}  // namespace llm::kernels
