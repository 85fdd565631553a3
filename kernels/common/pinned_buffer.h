// PinnedBuffer owns page-locked host memory: the GPU copies into it by DMA at the link's
// full speed, where a copy into ordinary (pageable) memory goes through the driver's
// staging buffers. For what a step brings back every time (its logits).
#ifndef LLM_KERNELS_COMMON_PINNED_BUFFER_H_
#define LLM_KERNELS_COMMON_PINNED_BUFFER_H_

#include <cstddef>

#include "absl/status/statusor.h"

namespace llm::kernels {

class PinnedBuffer {
 public:
  // Allocates `bytes` of page-locked host memory; an error without a GPU driver.
  static absl::StatusOr<PinnedBuffer> Allocate(size_t bytes);

  PinnedBuffer() = default;  // Empty: no memory.
  PinnedBuffer(PinnedBuffer&& other) noexcept;
  PinnedBuffer& operator=(PinnedBuffer&& other) noexcept;
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;
  ~PinnedBuffer();

  void* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  PinnedBuffer(void* data, size_t size) : data_(data), size_(size) {}

  void* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace llm::kernels

#endif  // LLM_KERNELS_COMMON_PINNED_BUFFER_H_
