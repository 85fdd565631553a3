// CudaStream's helpers on the GPU: MinLaunchMicros times work on a stream (after untimed
// preparation) and returns once it is done, and passes a failed launch on; IsCapturing
// tells a capture from a plain run. Skips visibly without a GPU.
#include "kernels/common/cuda_stream.h"

#include <cuda_runtime_api.h>

#include <vector>

#include "gtest/gtest.h"
#include "kernels/common/cuda_graph.h"
#include "kernels/common/device_buffer.h"

namespace llm::kernels {
namespace {

TEST(CudaStreamTest, TimesWorkAndWaitsForIt) {
  absl::StatusOr<int> devices = CudaDeviceCount();
  if (!devices.ok()) GTEST_SKIP() << "needs a GPU: " << devices.status().message();
  absl::StatusOr<CudaStream> stream = CudaStream::Create();
  constexpr size_t kBytes = size_t{64} << 20;
  absl::StatusOr<DeviceBuffer> buffer = DeviceBuffer::Allocate(kBytes);
  ASSERT_TRUE(stream.ok() && buffer.ok());
  uint8_t value = 0;
  int prepared = 0;
  absl::StatusOr<float> micros = MinLaunchMicros(
      stream->get(), 3, [&] { return buffer->Fill(++value, stream->get()); },
      [&] {
        ++prepared;
        return absl::OkStatus();
      });
  ASSERT_TRUE(micros.ok()) << micros.status();
  EXPECT_GT(*micros, 0.0f);
  EXPECT_EQ(prepared, 3);
  std::vector<uint8_t> last(16);
  ASSERT_TRUE(buffer->CopyToHost(last.data(), last.size()).ok());
  EXPECT_EQ(last, std::vector<uint8_t>(16, 3));

  EXPECT_EQ(
      MinLaunchMicros(stream->get(), 2, [] { return absl::InternalError("no"); }).status().code(),
      absl::StatusCode::kInternal);
}

TEST(CudaStreamTest, TellsACaptureFromAPlainRun) {
  absl::StatusOr<int> devices = CudaDeviceCount();
  if (!devices.ok()) GTEST_SKIP() << "needs a GPU: " << devices.status().message();
  absl::StatusOr<CudaStream> stream = CudaStream::Create();
  absl::StatusOr<DeviceBuffer> buffer = DeviceBuffer::Allocate(1024);
  ASSERT_TRUE(stream.ok() && buffer.ok());
  EXPECT_FALSE(IsCapturing(stream->get()));
  bool seen = false;
  CudaGraphCache graphs;
  ASSERT_TRUE(graphs
                  .Run(1, stream->get(),
                       [&](cudaStream_t s) {
                         seen = IsCapturing(s);
                         return buffer->Fill(1, s);
                       })
                  .ok());
  EXPECT_TRUE(seen);
  EXPECT_FALSE(IsCapturing(stream->get()));
}

}  // namespace
}  // namespace llm::kernels
