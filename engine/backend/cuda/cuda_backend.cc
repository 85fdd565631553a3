#include "engine/backend/cuda/cuda_backend.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "engine/backend/cpu/dequantize.h"
#include "kernels/activation/silu_and_mul.h"
#include "kernels/attention/prefill_attention.h"
#include "kernels/common/device.h"
#include "kernels/embedding/embedding_gather.h"
#include "kernels/gemm/int8_weight_gemm.h"
#include "kernels/kv_cache/write_kv_cache.h"
#include "kernels/normalization/fused_add_rms_norm.h"
#include "kernels/rotary/apply_rotary.h"

namespace llm {
namespace {

using kernels::DeviceBuffer;

// Activations, weights and the KV cache: bf16 has f32's range, so no model overflows.
constexpr kernels::DType kAct = kernels::DType::kBF16;
constexpr size_t kActBytes = 2;

uint16_t ToBf16(float x) {
  if (std::isnan(x)) return 0x7fc0;
  uint32_t bits;
  std::memcpy(&bits, &x, 4);
  return static_cast<uint16_t>((bits + 0x7fff + ((bits >> 16) & 1)) >> 16);  // Nearest even.
}

absl::StatusOr<DeviceBuffer> UploadBf16(const std::vector<float>& values) {
  std::vector<uint16_t> bf16(values.size());
  std::transform(values.begin(), values.end(), bf16.begin(), ToBf16);
  return DeviceBuffer::FromHost(bf16.data(), bf16.size() * kActBytes);
}

// Makes `buffer` hold at least `bytes`, keeping it when it already does.
absl::Status Reserve(DeviceBuffer& buffer, size_t bytes) {
  if (buffer.size() >= bytes) return absl::OkStatus();
  ASSIGN_OR_RETURN(buffer, DeviceBuffer::Allocate(bytes));
  return absl::OkStatus();
}

template <typename T>
absl::Status Put(DeviceBuffer& buffer, const std::vector<T>& host) {
  RETURN_IF_ERROR(Reserve(buffer, host.size() * sizeof(T)));
  return buffer.CopyFromHost(host.data(), host.size() * sizeof(T));
}

}  // namespace

CudaBackend::CudaBackend(const LlamaModel& model, int32_t kv_blocks, int64_t kv_block_tokens)
    : model_(model), kv_blocks_(kv_blocks), kv_block_tokens_(kv_block_tokens) {}

CudaBackend::~CudaBackend() = default;

absl::StatusOr<std::unique_ptr<Backend>> CudaBackend::Create(const LlamaModel& model,
                                                             int32_t kv_blocks,
                                                             int64_t kv_block_tokens,
                                                             bool int8_weights) {
  const ModelConfig& c = model.config();
  if (c.rope_scaling.type == RopeScaling::kDynamic) {
    return absl::UnimplementedError(
        "DEVICE=cuda: dynamic rope scaling (per-sequence frequencies) runs on the CPU only");
  }
  if (int8_weights && (c.qkv_bias || c.hidden_size % 16 != 0 || c.intermediate_size % 16 != 0)) {
    return absl::UnimplementedError(
        "DEVICE=cuda: USE_INT needs hidden and MLP widths that are multiples of 16 and no Q/K/V "
        "biases");
  }
  std::unique_ptr<CudaBackend> backend(new CudaBackend(model, kv_blocks, kv_block_tokens));
  ASSIGN_OR_RETURN(backend->gemm_, kernels::CublasLtGemm::Create());
  RETURN_IF_ERROR(backend->Upload(int8_weights));
  backend->description_ = {.kind = "cuda",
                           .name = kernels::CudaDeviceName(0).value_or("CUDA GPU"),
                           .count = 1,
                           .memory_bytes = kernels::CudaDeviceMemoryBytes(0).value_or(0),
                           .threads = 0};
  return backend;
}

absl::Status CudaBackend::Upload(bool int8_weights) {
  const ModelConfig& c = model_.config();
  // Rows of one or more stacked matrices (gate over up), decoded from any stored type.
  auto matrix = [&](std::vector<const cpu::WeightView*> parts,
                    bool int8) -> absl::StatusOr<Matrix> {
    Matrix m;
    m.cols = parts[0]->cols;
    for (const cpu::WeightView* part : parts) m.rows += part->rows;
    std::vector<float> row(m.cols);
    std::vector<uint16_t> bf16;
    std::vector<int8_t> q;
    std::vector<float> scales;
    if (int8) {
      q.resize(m.rows * m.cols);
      scales.resize(m.rows);
    } else {
      bf16.resize(m.rows * m.cols);
    }
    int64_t r = 0;
    for (const cpu::WeightView* part : parts) {
      if (part->rows8) return absl::InternalError("weights repacked for the CPU reached the GPU");
      for (int64_t i = 0; i < part->rows; ++i, ++r) {
        cpu::DequantizeRow(part->type, part->row(i), m.cols, row.data());
        if (!int8) {
          std::transform(row.begin(), row.end(), bf16.begin() + r * m.cols, ToBf16);
          continue;
        }
        float max_abs = 0.0f;
        for (float v : row) max_abs = std::max(max_abs, std::fabs(v));
        scales[r] = max_abs / 127.0f;
        const float inverse = max_abs > 0.0f ? 127.0f / max_abs : 0.0f;
        for (int64_t j = 0; j < m.cols; ++j) {
          q[r * m.cols + j] = static_cast<int8_t>(std::nearbyint(row[j] * inverse));
        }
      }
    }
    if (int8) {
      ASSIGN_OR_RETURN(m.data, DeviceBuffer::FromHost(q.data(), q.size()));
      ASSIGN_OR_RETURN(m.scales, DeviceBuffer::FromHost(scales.data(), scales.size() * 4));
    } else {
      ASSIGN_OR_RETURN(m.data, DeviceBuffer::FromHost(bf16.data(), bf16.size() * kActBytes));
    }
    return m;
  };
  Matrix embeddings;
  ASSIGN_OR_RETURN(embeddings, matrix({&model_.embeddings()}, false));
  embeddings_ = std::move(embeddings.data);
  if (!c.tied_embeddings) {
    // The LM head stays bf16 with USE_INT too: logits keep their precision.
    ASSIGN_OR_RETURN(lm_head_, matrix({&model_.lm_head()}, false));
  }
  ASSIGN_OR_RETURN(output_norm_, UploadBf16(model_.output_norm()));
  ASSIGN_OR_RETURN(inv_freq_, DeviceBuffer::FromHost(model_.rope_inv_freq().data(),
                                                     model_.rope_inv_freq().size() * 4));
  const size_t cache_bytes =
      static_cast<size_t>(kv_blocks_) * c.num_kv_heads * kv_block_tokens_ * c.head_dim * kActBytes;
  for (const LlamaModel::Layer& w : model_.layers()) {
    Layer& layer = layers_.emplace_back();
    ASSIGN_OR_RETURN(layer.attn_norm, UploadBf16(w.attn_norm));
    ASSIGN_OR_RETURN(layer.ffn_norm, UploadBf16(w.ffn_norm));
    if (c.qkv_bias) {
      ASSIGN_OR_RETURN(layer.q_bias, UploadBf16(w.q_bias));
      ASSIGN_OR_RETURN(layer.k_bias, UploadBf16(w.k_bias));
      ASSIGN_OR_RETURN(layer.v_bias, UploadBf16(w.v_bias));
    }
    ASSIGN_OR_RETURN(layer.q, matrix({&w.q}, int8_weights));
    ASSIGN_OR_RETURN(layer.k, matrix({&w.k}, int8_weights));
    ASSIGN_OR_RETURN(layer.v, matrix({&w.v}, int8_weights));
    ASSIGN_OR_RETURN(layer.o, matrix({&w.o}, int8_weights));
    ASSIGN_OR_RETURN(layer.gate_up, matrix({&w.gate, &w.up}, int8_weights));
    ASSIGN_OR_RETURN(layer.down, matrix({&w.down}, int8_weights));
    ASSIGN_OR_RETURN(layer.keys, DeviceBuffer::Allocate(cache_bytes));
    ASSIGN_OR_RETURN(layer.values, DeviceBuffer::Allocate(cache_bytes));
  }
  return absl::OkStatus();
}

absl::Status CudaBackend::Project(const Matrix& w, const void* x, void* y, int64_t tokens,
                                  const DeviceBuffer* bias) {
  if (w.scales.size() > 0) {
    return kernels::Int8WeightGemm(x, static_cast<const int8_t*>(w.data.data()),
                                   static_cast<const float*>(w.scales.data()), y, tokens, w.rows,
                                   w.cols, kAct, nullptr);
  }
  return gemm_->Run(x, w.data.data(), y, tokens, w.rows, w.cols, kAct, nullptr,
                    bias != nullptr && bias->size() > 0 ? bias->data() : nullptr);
}

absl::Status CudaBackend::Forward(const std::vector<SequenceStep>& steps, float* logits) {
  const ModelConfig& c = model_.config();
  const int64_t hidden = c.hidden_size, head_dim = c.head_dim;
  const int64_t q_dim = c.num_heads * head_dim, kv_dim = c.num_kv_heads * head_dim;
  const int64_t ffn = c.intermediate_size, vocab = c.vocab_size;

  // The step on the host: every token's id, position and KV slot, each sequence's span
  // of tokens, length and block table, and the rows whose logits are wanted.
  std::vector<int32_t> ids, positions, q_starts = {0}, context_lens, rows;
  std::vector<int64_t> slots;
  int64_t max_blocks = 1, max_q_len = 0;
  for (const SequenceStep& step : steps) {
    const auto count = static_cast<int64_t>(step.tokens.size());
    const int64_t length = step.start + count;
    max_blocks = std::max(max_blocks, (length + kv_block_tokens_ - 1) / kv_block_tokens_);
    max_q_len = std::max(max_q_len, count);
  }
  std::vector<int32_t> block_tables(steps.size() * max_blocks, 0);
  for (size_t s = 0; s < steps.size(); ++s) {
    const SequenceStep& step = steps[s];
    const auto count = static_cast<int64_t>(step.tokens.size());
    const int64_t length = step.start + count;
    for (int64_t t = 0; t < count; ++t) {
      const int64_t p = step.start + t;
      ids.push_back(step.tokens[t]);
      positions.push_back(static_cast<int32_t>(p));
      slots.push_back(step.block_table[p / kv_block_tokens_] * kv_block_tokens_ +
                      p % kv_block_tokens_);
      if (step.all_logits || t + 1 == count) rows.push_back(static_cast<int32_t>(ids.size() - 1));
    }
    std::copy_n(step.block_table, (length + kv_block_tokens_ - 1) / kv_block_tokens_,
                &block_tables[s * max_blocks]);
    q_starts.push_back(static_cast<int32_t>(ids.size()));
    context_lens.push_back(static_cast<int32_t>(length));
  }
  const auto n = static_cast<int64_t>(ids.size());
  const auto n_rows = static_cast<int64_t>(rows.size());
  if (n == 0) return absl::OkStatus();

  Scratch& b = scratch_;
  for (const auto& [buffer, host] :
       {std::pair{&b.ids, &ids}, std::pair{&b.positions, &positions},
        std::pair{&b.q_starts, &q_starts}, std::pair{&b.context_lens, &context_lens},
        std::pair{&b.block_tables, &block_tables}, std::pair{&b.rows, &rows}}) {
    RETURN_IF_ERROR(Put(*buffer, *host));
  }
  RETURN_IF_ERROR(Put(b.slots, slots));
  for (const auto& [buffer, elements] :
       {std::pair{&b.x, n * hidden}, std::pair{&b.residual, n * hidden}, std::pair{&b.q, n * q_dim},
        std::pair{&b.k, n * kv_dim}, std::pair{&b.v, n * kv_dim}, std::pair{&b.attn, n * q_dim},
        std::pair{&b.gate_up, n * 2 * ffn}, std::pair{&b.act, n * ffn},
        std::pair{&b.selected, n_rows * hidden}}) {
    RETURN_IF_ERROR(Reserve(*buffer, elements * kActBytes));
  }
  RETURN_IF_ERROR(Reserve(b.logits, n_rows * vocab * sizeof(float)));
  auto i32 = [](const DeviceBuffer& buffer) { return static_cast<const int32_t*>(buffer.data()); };

  RETURN_IF_ERROR(kernels::EmbeddingGather(embeddings_.data(), i32(b.ids), b.x.data(), n, vocab,
                                           hidden, kAct, nullptr));
  RETURN_IF_ERROR(b.residual.Fill(0));  // The first fused add starts the residual stream.
  const kernels::RotaryShape rotary{.tokens = n,
                                    .heads = c.num_heads,
                                    .kv_heads = c.num_kv_heads,
                                    .head_dim = head_dim,
                                    .adjacent_pairs = c.rope_style == RopeStyle::kAdjacentPairs,
                                    .attention_factor = model_.rope_attention_factor()};
  const kernels::KvCacheShape kv_shape{.tokens = n,
                                       .kv_heads = c.num_kv_heads,
                                       .head_dim = head_dim,
                                       .block_tokens = kv_block_tokens_};
  const kernels::PrefillAttentionShape attention{.sequences = static_cast<int64_t>(steps.size()),
                                                 .heads = c.num_heads,
                                                 .kv_heads = c.num_kv_heads,
                                                 .head_dim = head_dim,
                                                 .block_tokens = kv_block_tokens_,
                                                 .max_blocks = max_blocks,
                                                 .max_q_len = max_q_len,
                                                 .window = c.sliding_window};
  for (Layer& layer : layers_) {
    // residual += x; x = RMSNorm(residual).
    RETURN_IF_ERROR(kernels::FusedAddRmsNorm(b.x.data(), b.residual.data(), layer.attn_norm.data(),
                                             n, hidden, c.rms_norm_eps, kAct, nullptr));
    RETURN_IF_ERROR(Project(layer.q, b.x.data(), b.q.data(), n, &layer.q_bias));
    RETURN_IF_ERROR(Project(layer.k, b.x.data(), b.k.data(), n, &layer.k_bias));
    RETURN_IF_ERROR(Project(layer.v, b.x.data(), b.v.data(), n, &layer.v_bias));
    RETURN_IF_ERROR(kernels::ApplyRotary(b.q.data(), b.k.data(), i32(b.positions),
                                         static_cast<const float*>(inv_freq_.data()), rotary, kAct,
                                         nullptr));
    RETURN_IF_ERROR(
        kernels::WriteKvCache(b.k.data(), b.v.data(), static_cast<const int64_t*>(b.slots.data()),
                              layer.keys.data(), layer.values.data(), kv_shape, kAct, nullptr));
    RETURN_IF_ERROR(kernels::PrefillAttention(
        b.q.data(), layer.keys.data(), layer.values.data(), i32(b.block_tables), i32(b.q_starts),
        i32(b.context_lens), b.attn.data(), attention, kAct, nullptr));
    RETURN_IF_ERROR(Project(layer.o, b.attn.data(), b.x.data(), n));
    RETURN_IF_ERROR(kernels::FusedAddRmsNorm(b.x.data(), b.residual.data(), layer.ffn_norm.data(),
                                             n, hidden, c.rms_norm_eps, kAct, nullptr));
    RETURN_IF_ERROR(Project(layer.gate_up, b.x.data(), b.gate_up.data(), n));
    RETURN_IF_ERROR(kernels::SiluAndMul(b.gate_up.data(), b.act.data(), n, ffn, kAct, nullptr));
    RETURN_IF_ERROR(Project(layer.down, b.act.data(), b.x.data(), n));
  }
  RETURN_IF_ERROR(kernels::FusedAddRmsNorm(b.x.data(), b.residual.data(), output_norm_.data(), n,
                                           hidden, c.rms_norm_eps, kAct, nullptr));
  // The wanted rows, then the LM head in f32.
  RETURN_IF_ERROR(kernels::EmbeddingGather(b.x.data(), i32(b.rows), b.selected.data(), n_rows, n,
                                           hidden, kAct, nullptr));
  const void* head = c.tied_embeddings ? embeddings_.data() : lm_head_.data.data();
  RETURN_IF_ERROR(gemm_->Run(b.selected.data(), head, b.logits.data(), n_rows, vocab, hidden, kAct,
                             kernels::DType::kF32, nullptr));
  return b.logits.CopyToHost(logits, n_rows * vocab * sizeof(float));
}

void CudaBackend::CopyKvBlock(int32_t from, int32_t to) {
  const ModelConfig& c = model_.config();
  const size_t block = c.num_kv_heads * kv_block_tokens_ * c.head_dim * kActBytes;
  for (Layer& layer : layers_) {
    for (DeviceBuffer* cache : {&layer.keys, &layer.values}) {
      if (absl::Status s = cache->CopyWithin(to * block, from * block, block); !s.ok()) {
        LLM_LOG(ERROR) << "copying KV block " << from << " to " << to << ": " << s;
      }
    }
  }
}

}  // namespace llm
