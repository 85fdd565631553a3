// What the engine loop runs each step on: a model's forward pass and the KV cache it
// reads, on one device or across a tensor-parallel group. The scheduler (runtime/
// step_plan.h, kv_cache/block_manager.h) decides which blocks hold what; a backend
// stores the blocks and computes.
#ifndef LLM_ENGINE_BACKEND_BACKEND_H_
#define LLM_ENGINE_BACKEND_BACKEND_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/model/llama_model.h"

namespace llm {

// What a backend computes on, as ModelInfo reports it.
struct DeviceDescription {
  std::string kind;           // "cpu" or "cuda".
  std::string name;           // The CPU model or the GPU's name.
  int count = 1;              // Devices (tensor-parallel ranks) used together.
  uint64_t memory_bytes = 0;  // Memory of one device.
  int threads = 0;            // CPU threads used for compute (0 on a GPU).
};

class Backend {
 public:
  virtual ~Backend() = default;

  virtual DeviceDescription Describe() const = 0;

  // Blocks in the KV cache, each holding kv_block_tokens positions of every layer.
  virtual int32_t kv_blocks() const = 0;

  // Runs every step's new tokens through the model in one pass and writes the logits of
  // each step's last token (of all its tokens with all_logits), vocab_size values each.
  virtual absl::Status Forward(const std::vector<SequenceStep>& steps, float* logits) = 0;

  // Room for `floats` logits, for Forward to write into: the backend's own host memory,
  // kept between calls (not cleared) and valid until the next call. A GPU backend's is
  // page-locked, which its copies reach faster.
  virtual absl::StatusOr<float*> LogitsBuffer(int64_t floats) {
    logits_.resize(floats);
    return logits_.data();
  }

  // Copies KV block `from` into block `to` (copy on write of a shared block).
  virtual void CopyKvBlock(int32_t from, int32_t to) = 0;

 private:
  std::vector<float> logits_;  // LogitsBuffer's, unless overridden.
};

}  // namespace llm

#endif  // LLM_ENGINE_BACKEND_BACKEND_H_
