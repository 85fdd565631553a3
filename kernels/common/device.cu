#include "absl/strings/str_cat.h"
#include "kernels/common/cuda_status.h"
#include "kernels/common/device.h"

namespace llm::kernels {

absl::StatusOr<int> CudaDeviceCount() {
  int count = 0;
  const cudaError_t error = cudaGetDeviceCount(&count);
  if (error != cudaSuccess) {
    return absl::FailedPreconditionError(
        absl::StrCat("no usable CUDA device: ", cudaGetErrorString(error)));
  }
  if (count == 0) return absl::FailedPreconditionError("no CUDA device");
  return count;
}

absl::StatusOr<std::string> CudaDeviceName(int index) {
  cudaDeviceProp prop;
  absl::Status status =
      CudaStatus(cudaGetDeviceProperties(&prop, index), "cudaGetDeviceProperties");
  if (!status.ok()) return status;
  return absl::StrCat(prop.name, " (sm_", prop.major, prop.minor, ")");
}

absl::StatusOr<uint64_t> CudaDeviceMemoryBytes(int index) {
  cudaDeviceProp prop;
  absl::Status status =
      CudaStatus(cudaGetDeviceProperties(&prop, index), "cudaGetDeviceProperties");
  if (!status.ok()) return status;
  return static_cast<uint64_t>(prop.totalGlobalMem);
}

absl::StatusOr<uint64_t> CudaFreeMemoryBytes() {
  size_t free = 0, total = 0;
  absl::Status status = CudaStatus(cudaMemGetInfo(&free, &total), "cudaMemGetInfo");
  if (!status.ok()) return status;
  return static_cast<uint64_t>(free);
}

absl::Status CudaSetDevice(int index) { return CudaStatus(cudaSetDevice(index), "cudaSetDevice"); }

}  // namespace llm::kernels
