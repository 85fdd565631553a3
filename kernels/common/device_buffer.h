// DeviceBuffer owns a block of GPU memory and frees it when destroyed. Not thread-safe;
// copies are synchronous, for set-up and tests rather than hot paths.
#ifndef LLM_KERNELS_COMMON_DEVICE_BUFFER_H_
#define LLM_KERNELS_COMMON_DEVICE_BUFFER_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kernels/common/device.h"

namespace llm::kernels {

class DeviceBuffer {
 public:
  // Allocates `bytes` on the current device.
  static absl::StatusOr<DeviceBuffer> Allocate(size_t bytes);
  // Allocates `bytes` and copies them from `host`.
  static absl::StatusOr<DeviceBuffer> FromHost(const void* host, size_t bytes);

  DeviceBuffer() = default;  // Empty: no memory.
  DeviceBuffer(DeviceBuffer&& other) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer();

  void* data() const { return data_; }
  size_t size() const { return size_; }

  // Copies min(bytes, size()) bytes between the host and this buffer.
  absl::Status CopyFromHost(const void* host, size_t bytes);
  absl::Status CopyToHost(void* host, size_t bytes) const;

  // Sets every byte to `value` (tests poison outputs with 0xff, a NaN pattern), in order
  // with the work on `stream` (the legacy default stream if none).
  absl::Status Fill(uint8_t value, cudaStream_t stream = nullptr);

  // Copies `bytes` from offset `from` to offset `to` within this buffer (the ranges must
  // not overlap).
  absl::Status CopyWithin(size_t to, size_t from, size_t bytes);

 private:
  DeviceBuffer(void* data, size_t size) : data_(data), size_(size) {}

  void* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace llm::kernels

#endif  // LLM_KERNELS_COMMON_DEVICE_BUFFER_H_
