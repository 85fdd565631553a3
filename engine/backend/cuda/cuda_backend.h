// The CUDA backend: the Llama family's forward pass on one GPU, in bf16 with f32
// accumulation, over a paged KV cache in GPU memory. Per layer: fused residual add +
// RMSNorm, Q/K/V through cuBLASLt (biases in its epilogue), rotary embeddings, the new
// keys and values written into their blocks, flash-style attention over the blocks (one
// launch for every sequence of the step, prefill chunks and decodes alike), the output
// projection, fused add + RMSNorm, gate and up as one GEMM, SiLU·up, down. Logits come
// back in f32. Weights are uploaded once: every stored type is decoded on the host and
// stored as bf16, or with USE_INT as INT8 with per-channel scales (int8_weight_gemm.h).
#ifndef LLM_ENGINE_BACKEND_CUDA_CUDA_BACKEND_H_
#define LLM_ENGINE_BACKEND_CUDA_CUDA_BACKEND_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/backend/backend.h"
#include "engine/model/llama_model.h"
#include "kernels/common/device_buffer.h"
#include "kernels/gemm/cublaslt_gemm.h"

namespace llm {

class CudaBackend : public Backend {
 public:
  // Uploads `model` (loaded with LoadOptions::keep_stored_layout) to GPU 0 and allocates
  // `kv_blocks` blocks of `kv_block_tokens` positions; `int8_weights` is USE_INT. An
  // error names what the GPU path does not support or what failed.
  static absl::StatusOr<std::unique_ptr<Backend>> Create(const LlamaModel& model, int32_t kv_blocks,
                                                         int64_t kv_block_tokens,
                                                         bool int8_weights);
  ~CudaBackend() override;

  DeviceDescription Describe() const override { return description_; }
  int32_t kv_blocks() const override { return kv_blocks_; }
  absl::Status Forward(const std::vector<SequenceStep>& steps, float* logits) override;
  void CopyKvBlock(int32_t from, int32_t to) override;

 private:
  // A weight matrix on the GPU: bf16 rows, or INT8 rows with one f32 scale per row.
  struct Matrix {
    kernels::DeviceBuffer data;
    kernels::DeviceBuffer scales;  // Empty for bf16.
    int64_t rows = 0, cols = 0;
  };
  struct Layer {
    kernels::DeviceBuffer attn_norm, ffn_norm, q_bias, k_bias, v_bias;
    Matrix q, k, v, o, gate_up, down;
    kernels::DeviceBuffer keys, values;  // This layer's KV blocks.
  };
  // Per-step buffers, grown as steps grow and kept.
  struct Scratch {
    kernels::DeviceBuffer ids, positions, slots, q_starts, context_lens, block_tables, rows;
    kernels::DeviceBuffer x, residual, q, k, v, attn, gate_up, act, selected, logits;
  };

  CudaBackend(const LlamaModel& model, int32_t kv_blocks, int64_t kv_block_tokens);
  absl::Status Upload(bool int8_weights);
  absl::Status Project(const Matrix& w, const void* x, void* y, int64_t tokens,
                       const kernels::DeviceBuffer* bias = nullptr);

  const LlamaModel& model_;
  DeviceDescription description_;
  const int32_t kv_blocks_;
  const int64_t kv_block_tokens_;
  std::unique_ptr<kernels::CublasLtGemm> gemm_;
  kernels::DeviceBuffer embeddings_, output_norm_, inv_freq_;
  Matrix lm_head_;  // Empty when tied: the embeddings serve.
  std::vector<Layer> layers_;
  Scratch scratch_;
};

}  // namespace llm

#endif  // LLM_ENGINE_BACKEND_CUDA_CUDA_BACKEND_H_
