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

}  // namespace llm::kernels
