#include <algorithm>
#include <utility>

#include "kernels/common/cuda_status.h"
#include "kernels/common/device_buffer.h"

namespace llm::kernels {

absl::StatusOr<DeviceBuffer> DeviceBuffer::Allocate(size_t bytes) {
  void* data = nullptr;
  absl::Status status = CudaStatus(cudaMalloc(&data, std::max<size_t>(bytes, 1)), "cudaMalloc");
  if (!status.ok()) return status;
  return DeviceBuffer(data, bytes);
}

absl::StatusOr<DeviceBuffer> DeviceBuffer::FromHost(const void* host, size_t bytes) {
  absl::StatusOr<DeviceBuffer> buffer = Allocate(bytes);
  if (!buffer.ok()) return buffer.status();
  absl::Status copied = buffer->CopyFromHost(host, bytes);
  if (!copied.ok()) return copied;
  return buffer;
}

DeviceBuffer::DeviceBuffer(DeviceBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) cudaFree(data_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

DeviceBuffer::~DeviceBuffer() {
  if (data_ != nullptr) cudaFree(data_);
}

absl::Status DeviceBuffer::CopyFromHost(const void* host, size_t bytes) {
  return CudaStatus(cudaMemcpy(data_, host, std::min(bytes, size_), cudaMemcpyHostToDevice),
                    "cudaMemcpy to device");
}

absl::Status DeviceBuffer::CopyToHost(void* host, size_t bytes) const {
  return CudaStatus(cudaMemcpy(host, data_, std::min(bytes, size_), cudaMemcpyDeviceToHost),
                    "cudaMemcpy to host");
}

absl::Status DeviceBuffer::Fill(uint8_t value, cudaStream_t stream) {
  return CudaStatus(cudaMemsetAsync(data_, value, size_, stream), "cudaMemsetAsync");
}

absl::Status DeviceBuffer::CopyWithin(size_t to, size_t from, size_t bytes) {
  if (to + bytes > size_ || from + bytes > size_ || (to < from + bytes && from < to + bytes)) {
    return absl::InvalidArgumentError(
        "DeviceBuffer::CopyWithin: range outside the buffer or overlapping");
  }
  char* base = static_cast<char*>(data_);
  return CudaStatus(cudaMemcpy(base + to, base + from, bytes, cudaMemcpyDeviceToDevice),
                    "cudaMemcpy");
}

}  // namespace llm::kernels
