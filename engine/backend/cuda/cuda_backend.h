// The CUDA backend: the Llama family's forward pass on one GPU, in bf16 with f32
// accumulation, over a paged KV cache in GPU memory. Per layer: fused residual add +
// RMSNorm, Q/K/V as one product through cuBLASLt (biases in its epilogue), rotary
// embeddings and the attention kernels reading q and k in place in its rows, the new
// keys and values written into their blocks, attention over the blocks (one launch for
// every sequence of the step: flash-style when a step holds prefill chunks, the paged
// decode kernel when each sequence brings one token), the output projection, fused add +
// RMSNorm, gate and up as one GEMM, SiLU·up, down. Logits come back in f32. A decode
// step of up to kernels::kMaxGraphBatch sequences is padded to its batch-size bucket and
// replayed as that bucket's CUDA graph: one launch instead of hundreds. Weights are
// uploaded once: every stored type is decoded on the host and stored as bf16, or with
// USE_INT as INT8 with per-channel scales. Each product picks its kernel as
// weight_products.h says: decode steps' by timing on the card.
#ifndef LLM_ENGINE_BACKEND_CUDA_CUDA_BACKEND_H_
#define LLM_ENGINE_BACKEND_CUDA_CUDA_BACKEND_H_

#include <memory>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "engine/backend/backend.h"
#include "engine/backend/cuda/weight_products.h"
#include "engine/model/llama_model.h"
#include "kernels/attention/paged_attention_decode.h"
#include "kernels/common/cuda_graph.h"
#include "kernels/common/cuda_stream.h"
#include "kernels/common/device_buffer.h"
#include "kernels/common/pinned_buffer.h"

namespace llm {

class CudaBackend : public Backend {
 public:
  // Uploads `model` (loaded with LoadOptions::keep_stored_layout) to GPU 0 and allocates
  // `kv_blocks` blocks of `kv_block_tokens` positions (0: as many as 90% of the memory
  // the weights left allows, less 1.5 GiB for activations); `int8_weights` is USE_INT. An
  // error names what the GPU path does not support or what failed.
  static absl::StatusOr<std::unique_ptr<Backend>> Create(const LlamaModel& model, int32_t kv_blocks,
                                                         int64_t kv_block_tokens,
                                                         bool int8_weights);
  ~CudaBackend() override;

  DeviceDescription Describe() const override { return description_; }
  int32_t kv_blocks() const override { return kv_blocks_; }
  absl::Status Forward(const std::vector<SequenceStep>& steps, float* logits) override;
  absl::StatusOr<float*> LogitsBuffer(int64_t floats) override;
  void CopyKvBlock(int32_t from, int32_t to) override;

 private:
  struct Layer {
    kernels::DeviceBuffer attn_norm, ffn_norm, qkv_bias;
    GpuMatrix qkv, o, gate_up, down;     // qkv: Q over K over V, one product for the three.
    kernels::DeviceBuffer keys, values;  // This layer's KV blocks.
  };
  // A step as the kernels see it (defined in the .cc).
  struct StepInputs;
  // A step's device buffers, grown as steps grow and kept: `inputs` holds StepInputs'
  // packed arrays, the others the activations and the logits.
  struct Scratch {
    kernels::DeviceBuffer inputs;
    // qkv: each token's [q | k | v] row; the kernels after the product read it in place.
    kernels::DeviceBuffer x, residual, qkv, attn, gate_up, act, selected, logits;
    kernels::DeviceBuffer attn_partials;  // The decode kernel's splits.
  };

  CudaBackend(const LlamaModel& model, int32_t kv_blocks, int64_t kv_block_tokens);
  absl::Status Upload(bool int8_weights);
  // The KV blocks of every layer, after the weights (so that an automatic size sees what
  // they left), and the graphs' block-table width.
  absl::Status AllocateKvCache();
  // `steps` with padding sequences up to `sequences` (a graph's bucket) and block tables
  // `max_blocks` wide; `decode` when each step is one token whose logits are wanted.
  StepInputs Plan(const std::vector<SequenceStep>& steps, int64_t sequences, int64_t max_blocks,
                  bool decode) const;
  // The decode attention kernel's view of a decode step.
  kernels::PagedAttentionShape DecodeShape(const StepInputs& step) const;
  // Sizes `scratch` for `step` and copies its inputs over: true if a buffer moved.
  absl::StatusOr<bool> Prepare(Scratch& scratch, const StepInputs& step);
  // Launches the step's kernels on `stream`, leaving its logits in scratch.logits.
  absl::Status Enqueue(Scratch& scratch, const StepInputs& step, cudaStream_t stream);

  const LlamaModel& model_;
  DeviceDescription description_;
  int32_t kv_blocks_;  // 0 until AllocateKvCache sizes it, when asked to.
  const int64_t kv_block_tokens_;
  std::unique_ptr<WeightProducts> products_;
  kernels::DeviceBuffer embeddings_, output_norm_, inv_freq_;
  GpuMatrix lm_head_;  // Empty when tied: the embeddings serve.
  std::vector<Layer> layers_;
  kernels::CudaStream stream_;
  Scratch scratch_;                    // Steps that run eagerly.
  kernels::PinnedBuffer host_logits_;  // LogitsBuffer's.
  // Decode steps replayed as graphs: the buffers the graphs were captured with, a graph
  // per bucket, the buckets whose first step already ran (eagerly, so that cuBLASLt plans
  // their shapes outside a capture), and the block-table width they share (the context
  // window's blocks).
  Scratch graph_scratch_;
  std::unique_ptr<kernels::CudaGraphCache> graphs_;
  absl::flat_hash_set<int64_t> warmed_buckets_;
  int64_t graph_blocks_ = 0;
};

}  // namespace llm

#endif  // LLM_ENGINE_BACKEND_CUDA_CUDA_BACKEND_H_
