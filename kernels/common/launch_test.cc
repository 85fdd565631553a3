// Overlapped launches on the GPU: a kernel launched with LaunchKernel after a slow writer
// (which lets it be scheduled at once) still reads every value the writer stored, launch
// after launch, eagerly and replayed from a CUDA graph. Skips visibly without a GPU;
// where the GPU cannot overlap launches (before compute capability 9.0) it checks plain
// launches.
#include "kernels/common/launch.h"

#include <cuda_runtime_api.h>

#include <vector>

#include "gtest/gtest.h"
#include "kernels/common/cuda_graph.h"
#include "kernels/common/cuda_stream.h"
#include "kernels/common/device_buffer.h"
#include "kernels/common/launch_check_kernels.h"

namespace llm::kernels {
namespace {

TEST(LaunchTest, AnOverlappedKernelSeesThePriorKernelsWrites) {
  absl::StatusOr<int> devices = CudaDeviceCount();
  if (!devices.ok()) GTEST_SKIP() << "needs a GPU: " << devices.status().message();
  absl::StatusOr<CudaStream> stream = CudaStream::Create();
  constexpr int64_t kN = 1 << 20;
  absl::StatusOr<DeviceBuffer> source = DeviceBuffer::Allocate(kN * 4);
  absl::StatusOr<DeviceBuffer> copy = DeviceBuffer::Allocate(kN * 4);
  ASSERT_TRUE(stream.ok() && source.ok() && copy.ok());
  auto* from = static_cast<int32_t*>(source->data());
  auto* to = static_cast<int32_t*>(copy->data());
  int32_t value = 0;
  auto step = [&](cudaStream_t s) -> absl::Status {
    if (absl::Status st = LaunchSlowFill(from, kN, value, 20000, s); !st.ok()) return st;
    return LaunchOverlappedCopy(from, to, kN, s);
  };
  auto expect_copied = [&](const char* how) {
    ASSERT_EQ(cudaStreamSynchronize(stream->get()), cudaSuccess);
    std::vector<int32_t> got(kN);
    ASSERT_TRUE(copy->CopyToHost(got.data(), kN * 4).ok());
    for (int64_t i = 0; i < kN; ++i) ASSERT_EQ(got[i], value) << how << ", element " << i;
  };
  for (value = 1; value <= 5; ++value) {
    ASSERT_TRUE(step(stream->get()).ok());
    expect_copied("eager");
  }
  // Replayed from a graph, the fill's value is the one captured: 6.
  CudaGraphCache graphs;
  for (int replay = 0; replay < 3; ++replay) {
    ASSERT_TRUE(copy->Fill(0, stream->get()).ok());
    ASSERT_TRUE(graphs.Run(1, stream->get(), step).ok());
    expect_copied("replayed");
  }
}

}  // namespace
}  // namespace llm::kernels
