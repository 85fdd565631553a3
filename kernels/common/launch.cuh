// LaunchKernel and what a kernel it launches must do. Such a kernel may start while the
// kernel before it on the stream is still running: it calls WaitForPriorKernel() before
// it reads anything an earlier kernel wrote or writes anything one reads (it may read
// the model's weights before), and AllowNextKernel() to let the kernel after it be
// scheduled once every block of this one has been. Where launches do not overlap, both
// do nothing. Included by .cu files only.
#ifndef LLM_KERNELS_COMMON_LAUNCH_CUH_
#define LLM_KERNELS_COMMON_LAUNCH_CUH_

#include <cuda_runtime.h>

#include <utility>

#include "absl/status/status.h"
#include "kernels/common/cuda_status.h"
#include "kernels/common/launch.h"

namespace llm::kernels {

// Returns once the kernels before this one on the stream have completed and their
// writes are visible.
__device__ __forceinline__ void WaitForPriorKernel() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}

// Lets the next overlapped kernel be scheduled (it still waits for this one to finish
// before it touches what this one writes).
__device__ __forceinline__ void AllowNextKernel() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.launch_dependents;");
#endif
}

// Launches kernel<<<grid, block, shared, stream>>>(args...), overlapped with the kernel
// before it where OverlappedLaunches(); `name` names it in an error.
template <typename... Params, typename... Args>
absl::Status LaunchKernel(const char* name, void (*kernel)(Params...), dim3 grid, dim3 block,
                          size_t shared, cudaStream_t stream, Args&&... args) {
  cudaLaunchAttribute overlap;
  overlap.id = cudaLaunchAttributeProgrammaticStreamSerialization;
  overlap.val.programmaticStreamSerializationAllowed = 1;
  cudaLaunchConfig_t config = {};
  config.gridDim = grid;
  config.blockDim = block;
  config.dynamicSmemBytes = shared;
  config.stream = stream;
  config.attrs = &overlap;
  config.numAttrs = OverlappedLaunches() ? 1 : 0;
  return CudaStatus(cudaLaunchKernelEx(&config, kernel, std::forward<Args>(args)...), name);
}

}  // namespace llm::kernels

#endif  // LLM_KERNELS_COMMON_LAUNCH_CUH_
