#include "kernels/common/launch.cuh"
#include "kernels/common/launch_check_kernels.h"

namespace llm::kernels {
namespace {

constexpr int kThreads = 256;

// The writer lets the next kernel be scheduled at once, before its slow writes.
__global__ void SlowFillKernel(int32_t* data, int64_t n, int32_t value, int64_t spin_cycles) {
  AllowNextKernel();
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const long long start = clock64();
  while (clock64() - start < spin_cycles) {
  }
  if (i < n) data[i] = value;
}

__global__ void OverlappedCopyKernel(const int32_t* from, int32_t* to, int64_t n) {
  WaitForPriorKernel();
  AllowNextKernel();
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) to[i] = from[i];
}

unsigned Blocks(int64_t n) { return static_cast<unsigned>((n + kThreads - 1) / kThreads); }

}  // namespace

absl::Status LaunchSlowFill(int32_t* data, int64_t n, int32_t value, int64_t spin_cycles,
                            cudaStream_t stream) {
  SlowFillKernel<<<Blocks(n), kThreads, 0, stream>>>(data, n, value, spin_cycles);
  return LaunchStatus("SlowFillKernel");
}

absl::Status LaunchOverlappedCopy(const int32_t* from, int32_t* to, int64_t n,
                                  cudaStream_t stream) {
  return LaunchKernel("OverlappedCopyKernel", OverlappedCopyKernel, Blocks(n), kThreads, 0, stream,
                      from, to, n);
}

}  // namespace llm::kernels
