// Overlapped kernel launches (programmatic dependent launch, compute capability 9.0 and
// later): a kernel launched with LaunchKernel (launch.cuh) may be scheduled while the
// kernel before it on the stream finishes, so that the gap between the small kernels of
// a decode step closes. On by default where the GPU supports it, unless the environment
// sets LLM_SERIAL_LAUNCHES=1; the switch is also for benchmarks that measure what it
// gains.
#ifndef LLM_KERNELS_COMMON_LAUNCH_H_
#define LLM_KERNELS_COMMON_LAUNCH_H_

namespace llm::kernels {

// Whether LaunchKernel overlaps launches: asked for and supported by the current GPU.
bool OverlappedLaunches();
void SetOverlappedLaunches(bool on);

}  // namespace llm::kernels

#endif  // LLM_KERNELS_COMMON_LAUNCH_H_
