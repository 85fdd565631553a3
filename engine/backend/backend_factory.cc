#include "engine/backend/backend_factory.h"

#include "absl/strings/str_cat.h"
#include "engine/backend/cpu_backend.h"
#include "engine/backend/cuda/cuda_backend.h"
#include "kernels/common/device.h"

namespace llm {

absl::StatusOr<DeviceKind> ResolveDevice(absl::string_view device) {
  if (device == "cpu") return DeviceKind::kCpu;
  const absl::StatusOr<int> gpus = kernels::CudaDeviceCount();
  if (device == "auto") return gpus.ok() ? DeviceKind::kCuda : DeviceKind::kCpu;
  if (device == "cuda") {
    if (!gpus.ok()) {
      return absl::FailedPreconditionError(absl::StrCat("DEVICE=cuda: ", gpus.status().message()));
    }
    return DeviceKind::kCuda;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("DEVICE='", device, "': expected auto, cpu or cuda"));
}

absl::StatusOr<std::unique_ptr<Backend>> CreateBackend(DeviceKind device,
                                                       std::vector<const LlamaModel*> shards,
                                                       int threads, int32_t kv_blocks,
                                                       int64_t kv_block_tokens, bool int8_weights) {
  if (device == DeviceKind::kCuda) {
    if (shards.size() != 1) {
      return absl::UnimplementedError(
          "TENSOR_PARALLEL > 1 runs on the CPU backend only so far (DEVICE=cpu)");
    }
    return CudaBackend::Create(*shards[0], kv_blocks, kv_block_tokens, int8_weights);
  }
  return std::make_unique<CpuBackend>(std::move(shards), threads, kv_blocks, kv_block_tokens);
}

}  // namespace llm
