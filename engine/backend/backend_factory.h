// Chooses and builds the backend an engine computes on (DEVICE: auto, cpu or cuda).
#ifndef LLM_ENGINE_BACKEND_BACKEND_FACTORY_H_
#define LLM_ENGINE_BACKEND_BACKEND_FACTORY_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/backend/backend.h"
#include "engine/model/llama_model.h"

namespace llm {

enum class DeviceKind { kCpu, kCuda };

// DEVICE resolved: "auto" is cuda when a GPU is usable and cpu otherwise; "cuda" without
// a usable GPU is an error saying why.
absl::StatusOr<DeviceKind> ResolveDevice(absl::string_view device);

// The backend for `device` over `shards` (the model, or its tensor-parallel ranks in rank
// order; for CUDA loaded with LoadOptions::keep_stored_layout), whose KV cache holds
// `kv_blocks` blocks of `kv_block_tokens` positions. CPU backends share `threads` compute
// threads; `int8_weights` (USE_INT) tells a device backend to store weights as INT8.
absl::StatusOr<std::unique_ptr<Backend>> CreateBackend(DeviceKind device,
                                                       std::vector<const LlamaModel*> shards,
                                                       int threads, int32_t kv_blocks,
                                                       int64_t kv_block_tokens, bool int8_weights);

}  // namespace llm

#endif  // LLM_ENGINE_BACKEND_BACKEND_FACTORY_H_
