#include "engine/backend/cuda/cuda_backend.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "engine/backend/cpu/dequantize.h"
#include "engine/backend/cpu/thread_pool.h"
#include "kernels/activation/silu_and_mul.h"
#include "kernels/attention/paged_attention_decode.h"
#include "kernels/attention/prefill_attention.h"
#include "kernels/common/device.h"
#include "kernels/embedding/embedding_gather.h"
#include "kernels/kv_cache/write_kv_cache.h"
#include "kernels/normalization/fused_add_rms_norm.h"
#include "kernels/rotary/apply_rotary.h"

namespace llm {
namespace {

using kernels::DeviceBuffer;

constexpr kernels::DType kAct = kGpuActivations;
constexpr size_t kActBytes = kGpuActivationBytes;

uint16_t ToBf16(float x) {
  if (std::isnan(x)) return 0x7fc0;
  uint32_t bits;
  std::memcpy(&bits, &x, 4);
  return static_cast<uint16_t>((bits + 0x7fff + ((bits >> 16) & 1)) >> 16);  // Nearest even.
}

// Elements of one token's row of the fused Q/K/V product: [q | k | v].
int64_t QkvWidth(const ModelConfig& c) { return (c.num_heads + 2 * c.num_kv_heads) * c.head_dim; }

absl::StatusOr<DeviceBuffer> UploadBf16(const std::vector<float>& values) {
  std::vector<uint16_t> bf16(values.size());
  std::transform(values.begin(), values.end(), bf16.begin(), ToBf16);
  return DeviceBuffer::FromHost(bf16.data(), bf16.size() * kActBytes);
}

}  // namespace

CudaBackend::CudaBackend(const LlamaModel& model, int32_t kv_blocks, int64_t kv_block_tokens)
    : model_(model),
      kv_blocks_(kv_blocks),
      kv_block_tokens_(kv_block_tokens),
      graphs_(std::make_unique<kernels::CudaGraphCache>()) {}

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
  if (c.head_dim % 8 != 0 || c.head_dim > 256) {
    return absl::UnimplementedError(absl::StrCat(
        "DEVICE=cuda: head_dim ", c.head_dim,
        " (decode attention reads rows in 16-byte pieces: a multiple of 8 up to 256)"));
  }
  if (int8_weights && (c.hidden_size % 16 != 0 || c.intermediate_size % 16 != 0)) {
    return absl::UnimplementedError(
        "DEVICE=cuda: USE_INT needs hidden and MLP widths that are multiples of 16");
  }
  std::unique_ptr<CudaBackend> backend(new CudaBackend(model, kv_blocks, kv_block_tokens));
  ASSIGN_OR_RETURN(backend->stream_, kernels::CudaStream::Create());
  RETURN_IF_ERROR(backend->Upload(int8_weights));
  RETURN_IF_ERROR(backend->AllocateKvCache());
  backend->description_ = {.kind = "cuda",
                           .name = kernels::CudaDeviceName(0).value_or("CUDA GPU"),
                           .count = 1,
                           .memory_bytes = kernels::CudaDeviceMemoryBytes(0).value_or(0),
                           .threads = 0};
  return backend;
}

absl::Status CudaBackend::Upload(bool int8_weights) {
  const ModelConfig& c = model_.config();
  // Decoding a 7B model's rows is seconds of work per core: every core takes rows.
  cpu::ThreadPool pool(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  // Rows of one or more stacked matrices (gate over up), decoded from any stored type.
  auto matrix = [&](std::vector<const cpu::WeightView*> parts,
                    bool int8) -> absl::StatusOr<GpuMatrix> {
    GpuMatrix m;
    m.cols = parts[0]->cols;
    std::vector<std::pair<const cpu::WeightView*, int64_t>> rows;  // (part, row in part)
    for (const cpu::WeightView* part : parts) {
      if (part->rows8) return absl::InternalError("weights repacked for the CPU reached the GPU");
      for (int64_t i = 0; i < part->rows; ++i) rows.emplace_back(part, i);
    }
    m.rows = static_cast<int64_t>(rows.size());
    std::vector<uint16_t> bf16(int8 ? 0 : m.rows * m.cols);
    std::vector<int8_t> q(int8 ? m.rows * m.cols : 0);
    std::vector<float> scales(int8 ? m.rows : 0);
    pool.ParallelFor(m.rows, 16, [&](int64_t begin, int64_t end) {
      std::vector<float> row(m.cols);
      for (int64_t r = begin; r < end; ++r) {
        const auto [part, i] = rows[r];
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
    });
    if (int8) {
      ASSIGN_OR_RETURN(m.data, DeviceBuffer::FromHost(q.data(), q.size()));
      ASSIGN_OR_RETURN(m.scales, DeviceBuffer::FromHost(scales.data(), scales.size() * 4));
    } else {
      ASSIGN_OR_RETURN(m.data, DeviceBuffer::FromHost(bf16.data(), bf16.size() * kActBytes));
    }
    return m;
  };
  GpuMatrix embeddings;
  ASSIGN_OR_RETURN(embeddings, matrix({&model_.embeddings()}, false));
  embeddings_ = std::move(embeddings.data);
  if (!c.tied_embeddings) {
    // The LM head stays bf16 with USE_INT too: logits keep their precision.
    ASSIGN_OR_RETURN(lm_head_, matrix({&model_.lm_head()}, false));
  }
  ASSIGN_OR_RETURN(output_norm_, UploadBf16(model_.output_norm()));
  ASSIGN_OR_RETURN(inv_freq_, DeviceBuffer::FromHost(model_.rope_inv_freq().data(),
                                                     model_.rope_inv_freq().size() * 4));
  for (const LlamaModel::Layer& w : model_.layers()) {
    Layer& layer = layers_.emplace_back();
    ASSIGN_OR_RETURN(layer.attn_norm, UploadBf16(w.attn_norm));
    ASSIGN_OR_RETURN(layer.ffn_norm, UploadBf16(w.ffn_norm));
    if (c.qkv_bias) {
      std::vector<float> bias = w.q_bias;
      bias.insert(bias.end(), w.k_bias.begin(), w.k_bias.end());
      bias.insert(bias.end(), w.v_bias.begin(), w.v_bias.end());
      ASSIGN_OR_RETURN(layer.qkv_bias, UploadBf16(bias));
    }
    ASSIGN_OR_RETURN(layer.qkv, matrix({&w.q, &w.k, &w.v}, int8_weights));
    ASSIGN_OR_RETURN(layer.o, matrix({&w.o}, int8_weights));
    ASSIGN_OR_RETURN(layer.gate_up, matrix({&w.gate, &w.up}, int8_weights));
    ASSIGN_OR_RETURN(layer.down, matrix({&w.down}, int8_weights));
  }
  // With USE_INT, room to widen the largest INT8 matrix to bf16 for the tensor cores.
  int64_t largest = 0;
  for (const Layer& l : layers_) {
    for (const GpuMatrix* m : {&l.qkv, &l.o, &l.gate_up, &l.down}) {
      largest = std::max(largest, m->rows * m->cols);
    }
  }
  ASSIGN_OR_RETURN(products_, WeightProducts::Create(int8_weights ? largest : 0));
  return absl::OkStatus();
}

absl::Status CudaBackend::AllocateKvCache() {
  const ModelConfig& c = model_.config();
  // One block of one layer, keys or values.
  const size_t block_bytes = c.num_kv_heads * kv_block_tokens_ * c.head_dim * kActBytes;
  if (kv_blocks_ == 0) {
    // Auto: 90% of what the weights left, less room for a step's activations, cuBLASLt's
    // workspace and the CUDA graphs.
    constexpr double kShare = 0.9;
    constexpr uint64_t kHeadroom = uint64_t{3} << 29;  // 1.5 GiB.
    ASSIGN_OR_RETURN(const uint64_t free, kernels::CudaFreeMemoryBytes());
    const double usable = kShare * static_cast<double>(free) - static_cast<double>(kHeadroom);
    const double blocks = usable / (2.0 * block_bytes * layers_.size());
    if (blocks < 1) {
      return absl::ResourceExhaustedError(
          absl::StrCat("DEVICE=cuda: no GPU memory left for the KV cache: ", free >> 20,
                       " MiB free after the weights (set --kv_cache_mb to size it by hand)"));
    }
    kv_blocks_ = static_cast<int32_t>(std::min<double>(blocks, 0x7fffffff));
  }
  for (Layer& layer : layers_) {
    ASSIGN_OR_RETURN(layer.keys, DeviceBuffer::Allocate(kv_blocks_ * block_bytes));
    ASSIGN_OR_RETURN(layer.values, DeviceBuffer::Allocate(kv_blocks_ * block_bytes));
    // Zeros, not whatever was there: a graph's padding sequences read block 0.
    RETURN_IF_ERROR(layer.keys.Fill(0));
    RETURN_IF_ERROR(layer.values.Fill(0));
  }
  graph_blocks_ =
      std::min<int64_t>(kv_blocks_, (c.context_length + kv_block_tokens_ - 1) / kv_block_tokens_);
  return absl::OkStatus();
}

// A step as the kernels see it: its sizes, and its integer arrays (every token's id,
// position and KV slot, each sequence's span of tokens, length and block table, the rows
// whose logits are wanted) packed at 16-byte offsets into one host buffer, so that one
// copy takes them to the device.
struct CudaBackend::StepInputs {
  int64_t tokens = 0, sequences = 0, rows = 0, max_blocks = 0, max_q_len = 0;
  bool decode = false;  // One token per sequence and each one's logits: no row gather.
  size_t ids = 0, positions = 0, slots = 0, q_starts = 0, context_lens = 0, block_tables = 0,
         wanted = 0;
  std::vector<uint8_t> bytes;

  template <typename T>
  size_t Append(const std::vector<T>& values) {
    const size_t at = (bytes.size() + 15) / 16 * 16;
    bytes.resize(at + values.size() * sizeof(T));
    std::memcpy(bytes.data() + at, values.data(), values.size() * sizeof(T));
    return at;
  }
};

CudaBackend::StepInputs CudaBackend::Plan(const std::vector<SequenceStep>& steps, int64_t sequences,
                                          int64_t max_blocks, bool decode) const {
  std::vector<int32_t> ids, positions, q_starts = {0}, context_lens, rows;
  std::vector<int64_t> slots;
  std::vector<int32_t> block_tables(sequences * max_blocks, 0);
  StepInputs step;
  step.decode = decode;
  for (size_t s = 0; s < steps.size(); ++s) {
    const SequenceStep& seq = steps[s];
    const auto count = static_cast<int64_t>(seq.tokens.size());
    const int64_t length = seq.start + count;
    for (int64_t t = 0; t < count; ++t) {
      const int64_t p = seq.start + t;
      ids.push_back(seq.tokens[t]);
      positions.push_back(static_cast<int32_t>(p));
      slots.push_back(seq.block_table[p / kv_block_tokens_] * kv_block_tokens_ +
                      p % kv_block_tokens_);
      if (seq.all_logits || t + 1 == count) rows.push_back(static_cast<int32_t>(ids.size() - 1));
    }
    std::copy_n(seq.block_table, (length + kv_block_tokens_ - 1) / kv_block_tokens_,
                &block_tables[s * max_blocks]);
    q_starts.push_back(static_cast<int32_t>(ids.size()));
    context_lens.push_back(static_cast<int32_t>(length));
    step.max_q_len = std::max(step.max_q_len, count);
  }
  // Padding up to a graph's bucket: token 0 at position 0, stored nowhere (slot -1),
  // attending to block 0's first row; its logits are computed and not read.
  for (auto s = static_cast<int64_t>(steps.size()); s < sequences; ++s) {
    ids.push_back(0);
    positions.push_back(0);
    slots.push_back(-1);
    rows.push_back(static_cast<int32_t>(ids.size() - 1));
    q_starts.push_back(static_cast<int32_t>(ids.size()));
    context_lens.push_back(1);
  }
  step.tokens = static_cast<int64_t>(ids.size());
  step.sequences = sequences;
  step.rows = static_cast<int64_t>(rows.size());
  step.max_blocks = max_blocks;
  step.ids = step.Append(ids);
  step.positions = step.Append(positions);
  step.slots = step.Append(slots);
  step.q_starts = step.Append(q_starts);
  step.context_lens = step.Append(context_lens);
  step.block_tables = step.Append(block_tables);
  step.wanted = step.Append(rows);
  return step;
}

kernels::PagedAttentionShape CudaBackend::DecodeShape(const StepInputs& step) const {
  const ModelConfig& c = model_.config();
  return {.sequences = step.sequences,
          .heads = c.num_heads,
          .kv_heads = c.num_kv_heads,
          .head_dim = c.head_dim,
          .block_tokens = kv_block_tokens_,
          .max_blocks = step.max_blocks,
          .window = c.sliding_window,
          .q_token_stride = QkvWidth(c)};
}

absl::StatusOr<bool> CudaBackend::Prepare(Scratch& scratch, const StepInputs& step) {
  const ModelConfig& c = model_.config();
  const int64_t n = step.tokens, q_dim = c.num_heads * c.head_dim;
  bool moved = false;
  auto reserve = [&](DeviceBuffer& buffer, size_t bytes) -> absl::Status {
    if (buffer.size() >= bytes) return absl::OkStatus();
    ASSIGN_OR_RETURN(buffer, DeviceBuffer::Allocate(bytes));
    moved = true;
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(reserve(scratch.inputs, step.bytes.size()));
  for (const auto& [buffer, elements] :
       {std::pair{&scratch.x, n * c.hidden_size}, std::pair{&scratch.residual, n * c.hidden_size},
        std::pair{&scratch.qkv, n * QkvWidth(c)}, std::pair{&scratch.attn, n * q_dim},
        std::pair{&scratch.gate_up, n * 2 * c.intermediate_size},
        std::pair{&scratch.act, n * c.intermediate_size},
        std::pair{&scratch.selected, step.rows * c.hidden_size}}) {
    RETURN_IF_ERROR(reserve(*buffer, elements * kActBytes));
  }
  RETURN_IF_ERROR(reserve(scratch.logits, step.rows * c.vocab_size * sizeof(float)));
  if (step.decode) {
    RETURN_IF_ERROR(
        reserve(scratch.attn_partials, kernels::PagedAttentionDecodeWorkspace(DecodeShape(step))));
  }
  RETURN_IF_ERROR(scratch.inputs.CopyFromHost(step.bytes.data(), step.bytes.size()));
  return moved;
}

absl::Status CudaBackend::Forward(const std::vector<SequenceStep>& steps, float* logits) {
  if (steps.empty()) return absl::OkStatus();
  const int64_t vocab = model_.config().vocab_size;
  int64_t max_blocks = 1;
  bool decode = true;
  for (const SequenceStep& step : steps) {
    const auto count = static_cast<int64_t>(step.tokens.size());
    max_blocks =
        std::max(max_blocks, (step.start + count + kv_block_tokens_ - 1) / kv_block_tokens_);
    decode &= count == 1 && !step.all_logits;
  }
  const auto sequences = static_cast<int64_t>(steps.size());
  const int64_t bucket =
      decode && max_blocks <= graph_blocks_ ? kernels::DecodeBucket(sequences) : 0;
  if (bucket == 0) {
    const StepInputs step = Plan(steps, sequences, max_blocks, decode);
    if (step.tokens == 0) return absl::OkStatus();
    RETURN_IF_ERROR(Prepare(scratch_, step).status());
    RETURN_IF_ERROR(Enqueue(scratch_, step, stream_.get()));
    return scratch_.logits.CopyToHost(logits, step.rows * vocab * sizeof(float));
  }
  const StepInputs step = Plan(steps, bucket, graph_blocks_, /*decode=*/true);
  ASSIGN_OR_RETURN(const bool moved, Prepare(graph_scratch_, step));
  if (moved) {  // The graphs point into the old buffers.
    graphs_ = std::make_unique<kernels::CudaGraphCache>();
    warmed_buckets_.clear();
  }
  auto enqueue = [&](cudaStream_t stream) { return Enqueue(graph_scratch_, step, stream); };
  if (warmed_buckets_.insert(bucket).second) {
    RETURN_IF_ERROR(enqueue(stream_.get()));
  } else {
    RETURN_IF_ERROR(graphs_->Run(bucket, stream_.get(), enqueue));
  }
  // The padding's rows come after the sequences' own.
  return graph_scratch_.logits.CopyToHost(logits, sequences * vocab * sizeof(float));
}

absl::StatusOr<float*> CudaBackend::LogitsBuffer(int64_t floats) {
  const size_t bytes = static_cast<size_t>(floats) * sizeof(float);
  if (host_logits_.size() < bytes) {
    // A little over, so that a few more rows next step do not reallocate.
    ASSIGN_OR_RETURN(host_logits_, kernels::PinnedBuffer::Allocate(bytes + bytes / 4));
  }
  return static_cast<float*>(host_logits_.data());
}

absl::Status CudaBackend::Enqueue(Scratch& b, const StepInputs& step, cudaStream_t stream) {
  const ModelConfig& c = model_.config();
  const int64_t hidden = c.hidden_size, ffn = c.intermediate_size, vocab = c.vocab_size;
  const int64_t n = step.tokens;
  auto input = [&](size_t offset) {
    return reinterpret_cast<const int32_t*>(static_cast<const uint8_t*>(b.inputs.data()) + offset);
  };
  const int32_t* block_tables = input(step.block_tables);
  const int32_t* context_lens = input(step.context_lens);

  RETURN_IF_ERROR(kernels::EmbeddingGather(embeddings_.data(), input(step.ids), b.x.data(), n,
                                           vocab, hidden, kAct, stream));
  RETURN_IF_ERROR(b.residual.Fill(0, stream));  // The first fused add starts the residual.
  // Each token's [q | k | v] row of the fused product: q, k and v are slices of it.
  const int64_t q_dim = c.num_heads * c.head_dim, kv_dim = c.num_kv_heads * c.head_dim;
  const int64_t qkv_dim = QkvWidth(c);
  auto* q = static_cast<uint8_t*>(b.qkv.data());
  uint8_t* k = q + q_dim * kActBytes;
  uint8_t* v = k + kv_dim * kActBytes;
  const kernels::RotaryShape rotary{.tokens = n,
                                    .heads = c.num_heads,
                                    .kv_heads = c.num_kv_heads,
                                    .head_dim = c.head_dim,
                                    .adjacent_pairs = c.rope_style == RopeStyle::kAdjacentPairs,
                                    .attention_factor = model_.rope_attention_factor(),
                                    .token_stride = qkv_dim};
  const kernels::KvCacheShape kv_shape{.tokens = n,
                                       .kv_heads = c.num_kv_heads,
                                       .head_dim = c.head_dim,
                                       .block_tokens = kv_block_tokens_,
                                       .token_stride = qkv_dim};
  const kernels::PrefillAttentionShape prefill{.sequences = step.sequences,
                                               .heads = c.num_heads,
                                               .kv_heads = c.num_kv_heads,
                                               .head_dim = c.head_dim,
                                               .block_tokens = kv_block_tokens_,
                                               .max_blocks = step.max_blocks,
                                               .max_q_len = step.max_q_len,
                                               .window = c.sliding_window,
                                               .q_token_stride = qkv_dim};
  const kernels::PagedAttentionShape decode = DecodeShape(step);
  for (const Layer& layer : layers_) {
    // residual += x; x = RMSNorm(residual).
    RETURN_IF_ERROR(kernels::FusedAddRmsNorm(b.x.data(), b.residual.data(), layer.attn_norm.data(),
                                             n, hidden, c.rms_norm_eps, kAct, stream));
    RETURN_IF_ERROR(
        products_->Run(layer.qkv, b.x.data(), q, n, &layer.qkv_bias, step.decode, stream));
    RETURN_IF_ERROR(kernels::ApplyRotary(q, k, input(step.positions),
                                         static_cast<const float*>(inv_freq_.data()), rotary, kAct,
                                         stream));
    RETURN_IF_ERROR(kernels::WriteKvCache(
        k, v,
        reinterpret_cast<const int64_t*>(static_cast<const uint8_t*>(b.inputs.data()) + step.slots),
        layer.keys.data(), layer.values.data(), kv_shape, kAct, stream));
    if (step.decode) {
      RETURN_IF_ERROR(kernels::PagedAttentionDecode(q, layer.keys.data(), layer.values.data(),
                                                    block_tables, context_lens, b.attn.data(),
                                                    decode, kAct, b.attn_partials.data(), stream));
    } else {
      RETURN_IF_ERROR(kernels::PrefillAttention(q, layer.keys.data(), layer.values.data(),
                                                block_tables, input(step.q_starts), context_lens,
                                                b.attn.data(), prefill, kAct, stream));
    }
    RETURN_IF_ERROR(
        products_->Run(layer.o, b.attn.data(), b.x.data(), n, nullptr, step.decode, stream));
    RETURN_IF_ERROR(kernels::FusedAddRmsNorm(b.x.data(), b.residual.data(), layer.ffn_norm.data(),
                                             n, hidden, c.rms_norm_eps, kAct, stream));
    RETURN_IF_ERROR(products_->Run(layer.gate_up, b.x.data(), b.gate_up.data(), n, nullptr,
                                   step.decode, stream));
    RETURN_IF_ERROR(kernels::SiluAndMul(b.gate_up.data(), b.act.data(), n, ffn, kAct, stream));
    RETURN_IF_ERROR(
        products_->Run(layer.down, b.act.data(), b.x.data(), n, nullptr, step.decode, stream));
  }
  RETURN_IF_ERROR(kernels::FusedAddRmsNorm(b.x.data(), b.residual.data(), output_norm_.data(), n,
                                           hidden, c.rms_norm_eps, kAct, stream));
  // The LM head in f32, over the wanted rows (a decode step wants every row).
  const void* rows = b.x.data();
  if (!step.decode) {
    RETURN_IF_ERROR(kernels::EmbeddingGather(b.x.data(), input(step.wanted), b.selected.data(),
                                             step.rows, n, hidden, kAct, stream));
    rows = b.selected.data();
  }
  const void* head = c.tied_embeddings ? embeddings_.data() : lm_head_.data.data();
  return products_->gemm().Run(rows, head, b.logits.data(), step.rows, vocab, hidden, kAct,
                               kernels::DType::kF32, stream);
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
