#include <algorithm>
#include <utility>

#include "kernels/common/cuda_status.h"
#include "kernels/common/cuda_stream.h"

namespace llm::kernels {

absl::StatusOr<CudaStream> CudaStream::Create() {
  cudaStream_t stream = nullptr;
  if (absl::Status s = CudaStatus(cudaStreamCreate(&stream), "cudaStreamCreate"); !s.ok()) {
    return s;
  }
  return CudaStream(stream);
}

CudaStream::CudaStream(CudaStream&& other) noexcept
    : stream_(std::exchange(other.stream_, nullptr)) {}

CudaStream& CudaStream::operator=(CudaStream&& other) noexcept {
  if (this != &other) {
    if (stream_ != nullptr) cudaStreamDestroy(stream_);
    stream_ = std::exchange(other.stream_, nullptr);
  }
  return *this;
}

CudaStream::~CudaStream() {
  if (stream_ != nullptr) cudaStreamDestroy(stream_);
}

bool IsCapturing(cudaStream_t stream) {
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  return cudaStreamIsCapturing(stream, &status) == cudaSuccess &&
         status != cudaStreamCaptureStatusNone;
}

absl::StatusOr<float> MinLaunchMicros(cudaStream_t stream, int repeats,
                                      const std::function<absl::Status()>& launch,
                                      const std::function<absl::Status()>& prepare) {
  // Two events, destroyed however the timing ends.
  struct Events {
    cudaEvent_t start = nullptr, stop = nullptr;
    ~Events() {
      if (stop != nullptr) cudaEventDestroy(stop);
      if (start != nullptr) cudaEventDestroy(start);
    }
  } events;
  if (absl::Status s = CudaStatus(cudaEventCreate(&events.start), "cudaEventCreate"); !s.ok()) {
    return s;
  }
  if (absl::Status s = CudaStatus(cudaEventCreate(&events.stop), "cudaEventCreate"); !s.ok()) {
    return s;
  }
  float best = -1.0f;
  for (int i = 0; i < repeats; ++i) {
    if (prepare) {
      if (absl::Status s = prepare(); !s.ok()) return s;
    }
    if (absl::Status s = CudaStatus(cudaEventRecord(events.start, stream), "cudaEventRecord");
        !s.ok()) {
      return s;
    }
    if (absl::Status s = launch(); !s.ok()) return s;
    if (absl::Status s = CudaStatus(cudaEventRecord(events.stop, stream), "cudaEventRecord");
        !s.ok()) {
      return s;
    }
    if (absl::Status s = CudaStatus(cudaEventSynchronize(events.stop), "cudaEventSynchronize");
        !s.ok()) {
      return s;
    }
    float ms = 0.0f;
    if (absl::Status s = CudaStatus(cudaEventElapsedTime(&ms, events.start, events.stop),
                                    "cudaEventElapsedTime");
        !s.ok()) {
      return s;
    }
    best = best < 0.0f ? ms * 1e3f : std::min(best, ms * 1e3f);
  }
  return best;
}

}  // namespace llm::kernels
