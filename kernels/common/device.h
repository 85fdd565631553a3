// Which CUDA devices this process can use. Safe on machines without a GPU or driver:
// the answer is then an error saying why, never a crash.
#ifndef LLM_KERNELS_COMMON_DEVICE_H_
#define LLM_KERNELS_COMMON_DEVICE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

// The CUDA stream type, declared here so C++ callers need no CUDA headers.
typedef struct CUstream_st* cudaStream_t;

namespace llm::kernels {

// Number of usable CUDA devices; an error (FAILED_PRECONDITION) when there is no driver
// or no device.
absl::StatusOr<int> CudaDeviceCount();

// Name and compute capability of device `index`, such as "NVIDIA H100 80GB HBM3 (sm_90)".
absl::StatusOr<std::string> CudaDeviceName(int index);

// Memory of device `index` in bytes.
absl::StatusOr<uint64_t> CudaDeviceMemoryBytes(int index);

// Memory free on the calling thread's current device in bytes.
absl::StatusOr<uint64_t> CudaFreeMemoryBytes();

// Makes device `index` the calling thread's current device.
absl::Status CudaSetDevice(int index);

}  // namespace llm::kernels

#endif  // LLM_KERNELS_COMMON_DEVICE_H_
