// The Llama family's forward pass on the CPU (the architectures under arch/: Llama,
// CodeLlama, Yi, SmolLM2, Mistral, Qwen2): embeddings, then per layer RMSNorm → GQA attention with
// RoPE → residual, RMSNorm → SwiGLU MLP → residual, then the final norm and LM head.
//
// Weights stay in the memory-mapped file in their stored dtype. A model is immutable
// once built and may serve many sequences; Forward is called by one thread at a time.
#ifndef LLM_ENGINE_MODEL_LLAMA_MODEL_H_
#define LLM_ENGINE_MODEL_LLAMA_MODEL_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/backend/cpu/matmul.h"
#include "engine/backend/cpu/thread_pool.h"
#include "engine/backend/cpu/vec.h"
#include "engine/kv_cache/kv_blocks.h"
#include "engine/model/gguf/gguf_file.h"
#include "engine/model/model_config.h"
#include "engine/model/weight_source.h"
#include "engine/parallel/communicator.h"

namespace llm {

// One sequence's share of a forward step: its new tokens, the position of the first,
// and its block table in the KV cache, which holds its earlier tokens and receives the
// new ones.
struct SequenceStep {
  std::vector<int32_t> tokens;
  int64_t start = 0;
  const int32_t* block_table = nullptr;
  bool all_logits = false;  // Logits of every token (prompt log-probabilities), not the last.
};

struct LoadOptions {
  // USE_INT: re-store float weight matrices as INT8 with per-output-channel scales
  // (cpu/int8_weights.h); quantized GGUF tensors are used as they are.
  bool int8_weights = false;
  // For a device backend: matrices stay in their stored row layout (no CPU repacking,
  // and USE_INT is left to the device), ready to upload.
  bool keep_stored_layout = false;
  // TENSOR_PARALLEL: load shard `tensor_parallel_rank` of `tensor_parallel_size`.
  int tensor_parallel_rank = 0;
  int tensor_parallel_size = 1;
};

class LlamaModel {
 public:
  // Builds the model from a GGUF file of a registered architecture. The error names
  // the file and the missing or mis-shaped tensor or key.
  static absl::StatusOr<std::unique_ptr<LlamaModel>> FromGguf(std::unique_ptr<GgufFile> gguf,
                                                              const LoadOptions& options = {});

  // Builds the model from an HF checkpoint directory (config.json, *.safetensors).
  static absl::StatusOr<std::unique_ptr<LlamaModel>> FromHfDirectory(
      const std::string& dir, const LoadOptions& options = {});

  // Builds the model from `config` and a source of its tensors by GGUF name (files, or
  // generated ones for benchmarks).
  static absl::StatusOr<std::unique_ptr<LlamaModel>> FromWeights(
      ModelConfig config, std::unique_ptr<WeightSource> weights, const LoadOptions& options);

  // The whole model's configuration, whichever shard this is.
  const ModelConfig& config() const { return config_; }

  // The shape of this shard's KV cache: the whole model's, with only its kv heads.
  ModelConfig KvConfig() const;

  // One line for logs: parameters, weight formats and the bytes they occupy.
  std::string Summary() const;

  // Parameters of the model (matrices and vectors).
  int64_t ParameterCount() const;

  // The storage format of most parameters, such as "Q4_1", "BF16" or "Q8_0".
  std::string WeightFormat() const;

  // Runs the new tokens of every sequence in `steps` through the model in one pass: the
  // projections see all tokens at once, attention runs per sequence over its own cache.
  // Writes the logits of each step's last token (of all its tokens with all_logits), in
  // order, vocab_size values each. Each
  // sequence's results are bit-identical to running it alone, whatever shares the step.
  // Token ids must be in [0, vocab_size) and each block table must cover its tokens
  // (the request layer checks both). A shard of a tensor-parallel group runs this on
  // every rank at once, `comm` combining their partial results; each rank gets all logits.
  // Fails only if a collective does.
  absl::Status Forward(const std::vector<SequenceStep>& steps, KvBlocks& cache, float* logits,
                       cpu::ThreadPool& pool, Communicator* comm = nullptr) const;

  // One sequence that has `cache` to itself, its blocks in order: `tokens` at positions
  // start .. start + tokens.size() - 1.
  absl::Status Forward(const std::vector<int32_t>& tokens, int64_t start, KvBlocks& cache,
                       float* logits, cpu::ThreadPool& pool) const;

  // The weights, for a device backend to upload.
  struct Layer {
    std::vector<float> attn_norm, ffn_norm;
    std::vector<float> q_bias, k_bias, v_bias;  // Empty without qkv_bias.
    cpu::WeightView q, k, v, o, gate, up, down;
  };
  const std::vector<Layer>& layers() const { return layers_; }
  const cpu::WeightView& embeddings() const { return embeddings_; }
  const cpu::WeightView& lm_head() const { return lm_head_; }
  const std::vector<float>& output_norm() const { return output_norm_; }
  const std::vector<float>& rope_inv_freq() const { return rope_inv_freq_; }
  float rope_attention_factor() const { return rope_attention_factor_; }

 private:
  LlamaModel() = default;

  // Keeps only shard `rank` of `size` (Megatron-style): Q, K, V, gate and up split by
  // output features (whole heads), O and down by input features, the LM head by
  // vocabulary; embeddings and norms stay whole.
  absl::Status TakeShard(int rank, int size);
  // Re-stores every float matrix as per-channel INT8 (LoadOptions::int8_weights).
  void QuantizeInt8();
  // Re-stores the projections and the LM head whose type has a rows8 kernel in that form
  // (cpu/quant_dot.h): batched and single-token products both run faster.
  void RepackRows8();
  // Reads every weight page once, so the first request does not wait on the disk;
  // logs progress for models over 1 GB.
  void PrefaultWeights() const;
  // Every weight matrix once (a tied LM head is the embeddings).
  std::vector<cpu::WeightView*> Matrices();
  std::vector<const cpu::WeightView*> Matrices() const;

  ModelConfig config_;
  std::unique_ptr<WeightSource> weights_;  // Owns the mapped files the views point into.
  cpu::WeightView embeddings_;
  cpu::WeightView lm_head_;
  std::vector<float> output_norm_;
  std::vector<Layer> layers_;
  std::vector<float> rope_inv_freq_;                 // head_dim / 2 entries.
  float rope_attention_factor_ = 1.0f;               // yarn scales cos and sin.
  std::vector<std::vector<uint8_t>> owned_weights_;  // Matrices re-stored at load.
  // This shard's part of the model (all of it unless tensor parallel).
  int rank_ = 0, ranks_ = 1;
  int64_t heads_ = 0, kv_heads_ = 0, ffn_ = 0;
  int64_t vocab_shard_ = 0;  // LM head rows per rank; the last rank's may be fewer.
};

}  // namespace llm

#endif  // LLM_ENGINE_MODEL_LLAMA_MODEL_H_
