// A CUDA stream owned by one object. It is created blocking (cudaStreamCreate's default),
// so its work stays ordered with the legacy default stream that DeviceBuffer's
// synchronous copies use; unlike the legacy stream, a CUDA graph can be captured on it.
#ifndef LLM_KERNELS_COMMON_CUDA_STREAM_H_
#define LLM_KERNELS_COMMON_CUDA_STREAM_H_

#include <functional>

#include "absl/status/statusor.h"
#include "kernels/common/device.h"

namespace llm::kernels {

class CudaStream {
 public:
  // A new stream on the current device; an error without a GPU.
  static absl::StatusOr<CudaStream> Create();

  CudaStream() = default;  // None: the legacy default stream.
  CudaStream(CudaStream&& other) noexcept;
  CudaStream& operator=(CudaStream&& other) noexcept;
  CudaStream(const CudaStream&) = delete;
  CudaStream& operator=(const CudaStream&) = delete;
  ~CudaStream();

  cudaStream_t get() const { return stream_; }

 private:
  explicit CudaStream(cudaStream_t stream) : stream_(stream) {}

  cudaStream_t stream_ = nullptr;
};

// Whether work enqueued on `stream` is being captured into a CUDA graph (nothing runs
// then, so nothing can be timed).
bool IsCapturing(cudaStream_t stream);

// The shortest of `repeats` runs of `launch` (which enqueues work on `stream`), in
// microseconds between events recorded on `stream` around it; `prepare`, when given,
// enqueues untimed work before each run (such as evicting the L2 cache). Waits for the
// work.
absl::StatusOr<float> MinLaunchMicros(cudaStream_t stream, int repeats,
                                      const std::function<absl::Status()>& launch,
                                      const std::function<absl::Status()>& prepare = nullptr);

}  // namespace llm::kernels

#endif  // LLM_KERNELS_COMMON_CUDA_STREAM_H_
