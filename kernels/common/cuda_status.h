// CUDA runtime errors as absl::Status. Included by .cu files only (it needs the CUDA
// headers); the headers that C++ code includes never expose CUDA types.
#ifndef LLM_KERNELS_COMMON_CUDA_STATUS_H_
#define LLM_KERNELS_COMMON_CUDA_STATUS_H_

#include <cuda_runtime_api.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace llm::kernels {

inline absl::Status CudaStatus(cudaError_t error, const char* what) {
  if (error == cudaSuccess) return absl::OkStatus();
  return absl::InternalError(
      absl::StrCat(what, ": ", cudaGetErrorName(error), ": ", cudaGetErrorString(error)));
}

// The status of the last kernel launch on this thread.
inline absl::Status LaunchStatus(const char* kernel) {
  return CudaStatus(cudaGetLastError(), kernel);
}

}  // namespace llm::kernels

#endif  // LLM_KERNELS_COMMON_CUDA_STATUS_H_
