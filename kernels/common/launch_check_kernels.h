// Two kernels for launch_test.cc, which checks that an overlapped launch (launch.h) still
// sees everything the kernel before it wrote: a slow writer, and a reader launched
// overlapped with it. Test-only.
#ifndef LLM_KERNELS_COMMON_LAUNCH_CHECK_KERNELS_H_
#define LLM_KERNELS_COMMON_LAUNCH_CHECK_KERNELS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "kernels/common/device.h"

namespace llm::kernels {

// Sets data[0, n) to `value`, each thread after spinning about `spin_cycles` cycles (so
// that the writes land late), with a plain launch.
absl::Status LaunchSlowFill(int32_t* data, int64_t n, int32_t value, int64_t spin_cycles,
                            cudaStream_t stream);

// Copies from[0, n) to to[0, n), launched overlapped with the kernel before it
// (LaunchKernel), after WaitForPriorKernel.
absl::Status LaunchOverlappedCopy(const int32_t* from, int32_t* to, int64_t n, cudaStream_t stream);

}  // namespace llm::kernels

#endif  // LLM_KERNELS_COMMON_LAUNCH_CHECK_KERNELS_H_
