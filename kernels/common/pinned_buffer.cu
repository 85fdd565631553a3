#include <algorithm>
#include <utility>

#include "kernels/common/cuda_status.h"
#include "kernels/common/pinned_buffer.h"

namespace llm::kernels {

absl::StatusOr<PinnedBuffer> PinnedBuffer::Allocate(size_t bytes) {
  void* data = nullptr;
  if (absl::Status s = CudaStatus(
          cudaHostAlloc(&data, std::max<size_t>(bytes, 1), cudaHostAllocDefault), "cudaHostAlloc");
      !s.ok()) {
    return s;
  }
  return PinnedBuffer(data, bytes);
}

PinnedBuffer::PinnedBuffer(PinnedBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

PinnedBuffer& PinnedBuffer::operator=(PinnedBuffer&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) cudaFreeHost(data_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

PinnedBuffer::~PinnedBuffer() {
  if (data_ != nullptr) cudaFreeHost(data_);
}

}  // namespace llm::kernels
