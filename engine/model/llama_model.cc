#include "engine/model/llama_model.h"

#include <cmath>
#include <cstring>
#include <map>
#include <numeric>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "engine/backend/cpu/attention.h"
#include "engine/backend/cpu/dequantize.h"
#include "engine/backend/cpu/int8_weights.h"
#include "engine/backend/cpu/vec.h"
#include "engine/model/architecture.h"
#include "engine/model/hf_config.h"
#include "engine/model/rope.h"

namespace llm {
namespace {

using cpu::WeightView;

std::string ShapeText(const std::vector<int64_t>& shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ", "), "]");
}

absl::StatusOr<TensorView> Require(const WeightSource& source, const std::string& name,
                                   const std::vector<int64_t>& shape) {
  const std::optional<TensorView> t = source.Find(name);
  if (!t.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source.path(), ": tensor ", source.FileName(name), " is missing"));
  }
  if (t->shape != shape) {
    return absl::InvalidArgumentError(
        absl::StrCat(source.path(), ": tensor ", source.FileName(name), " has shape ",
                     ShapeText(t->shape), ", expected ", ShapeText(shape)));
  }
  return *t;
}

absl::StatusOr<WeightView> Matrix(const WeightSource& source, const std::string& name, int64_t rows,
                                  int64_t cols) {
  ASSIGN_OR_RETURN(const TensorView t, Require(source, name, {rows, cols}));
  if (cols % Info(t.type).block_elements != 0) {
    return absl::InvalidArgumentError(absl::StrCat(source.path(), ": tensor ",
                                                   source.FileName(name), " rows are not whole ",
                                                   Info(t.type).name, " blocks"));
  }
  return WeightView{t.type, rows, cols, t.data};
}

absl::StatusOr<std::vector<float>> Vector(const WeightSource& source, const std::string& name,
                                          int64_t size) {
  ASSIGN_OR_RETURN(const TensorView t, Require(source, name, {size}));
  std::vector<float> values(size);
  cpu::DequantizeRow(t.type, t.data, size, values.data());
  return values;
}

absl::StatusOr<ModelConfig> ConfigFromGguf(const GgufFile& gguf) {
  ASSIGN_OR_RETURN(absl::string_view arch, gguf.GetString("general.architecture"));
  const ArchitectureTraits* traits = FindGgufArchitecture(arch);
  if (traits == nullptr) {
    return absl::UnimplementedError(absl::StrCat(
        gguf.path(), ": architecture '", arch,
        "' is not supported (supported: ", absl::StrJoin(GgufArchitectureNames(), ", "), ")"));
  }
  // Hyperparameters sit under the architecture's own prefix ("llama.", "qwen2.").
  auto key = [&arch](absl::string_view name) { return absl::StrCat(arch, ".", name); };
  ModelConfig c;
  c.architecture = traits->hf_name;
  c.rope_style = traits->gguf_rope_style;
  c.qkv_bias = traits->qkv_bias;
  ASSIGN_OR_RETURN(c.hidden_size, gguf.GetUInt(key("embedding_length")));
  ASSIGN_OR_RETURN(c.intermediate_size, gguf.GetUInt(key("feed_forward_length")));
  ASSIGN_OR_RETURN(c.num_layers, gguf.GetUInt(key("block_count")));
  ASSIGN_OR_RETURN(c.num_heads, gguf.GetUInt(key("attention.head_count")));
  ASSIGN_OR_RETURN(c.num_kv_heads, gguf.GetUIntOr(key("attention.head_count_kv"), c.num_heads));
  ASSIGN_OR_RETURN(c.context_length, gguf.GetUIntOr(key("context_length"), 2048));
  ASSIGN_OR_RETURN(const double eps, gguf.GetFloat(key("attention.layer_norm_rms_epsilon")));
  ASSIGN_OR_RETURN(const double theta, gguf.GetFloatOr(key("rope.freq_base"), 10000.0));
  c.rms_norm_eps = static_cast<float>(eps);
  c.rope_theta = static_cast<float>(theta);
  if (c.hidden_size == 0 || c.num_heads == 0 || c.num_layers == 0 || c.num_kv_heads == 0 ||
      c.num_heads % c.num_kv_heads != 0 || c.hidden_size % c.num_heads != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(gguf.path(), ": inconsistent hyperparameters (hidden ", c.hidden_size,
                     ", heads ", c.num_heads, ", kv heads ", c.num_kv_heads, ")"));
  }
  ASSIGN_OR_RETURN(c.head_dim,
                   gguf.GetUIntOr(key("attention.key_length"), c.hidden_size / c.num_heads));
  ASSIGN_OR_RETURN(const uint64_t rope_dims,
                   gguf.GetUIntOr(key("rope.dimension_count"), c.head_dim));
  if (static_cast<int64_t>(rope_dims) != c.head_dim) {
    return absl::UnimplementedError(
        absl::StrCat(gguf.path(), ": partial rotary embeddings are not supported"));
  }
  if (gguf.Has(key("rope.scaling.type"))) {
    ASSIGN_OR_RETURN(absl::string_view scaling, gguf.GetString(key("rope.scaling.type")));
    if (scaling == "linear") {
      c.rope_scaling.type = RopeScaling::kLinear;
      ASSIGN_OR_RETURN(c.rope_scaling.factor, gguf.GetFloat(key("rope.scaling.factor")));
    } else if (scaling == "yarn") {
      // As llama.cpp reads it: factor, the pre-extension context, beta 32 / 1, and
      // cos and sin scaled by 0.1·ln(factor) + 1.
      c.rope_scaling.type = RopeScaling::kYarn;
      ASSIGN_OR_RETURN(c.rope_scaling.factor, gguf.GetFloat(key("rope.scaling.factor")));
      ASSIGN_OR_RETURN(const uint64_t original,
                       gguf.GetUIntOr(key("rope.scaling.original_context_length"),
                                      static_cast<uint64_t>(c.context_length)));
      c.rope_scaling.original_context = static_cast<double>(original);
      c.rope_scaling.correction_context = c.rope_scaling.original_context;
      ASSIGN_OR_RETURN(const double attn_factor,
                       gguf.GetFloatOr(key("rope.scaling.attn_factor"), 1.0));
      if (attn_factor != 1.0 || gguf.Has(key("rope.scaling.yarn_log_multiplier"))) {
        return absl::UnimplementedError(absl::StrCat(
            gguf.path(), ": yarn with an attention factor or a log multiplier is not supported"));
      }
      if (!(c.rope_scaling.factor >= 1.0) || original == 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            gguf.path(), ": yarn needs a factor of at least 1 and an original context"));
      }
    } else if (scaling != "none") {
      return absl::UnimplementedError(absl::StrCat(gguf.path(), ": rope scaling '", scaling,
                                                   "' in GGUF files is not supported yet"));
    }
  }
  // Older files state linear scaling as rope.scale_linear.
  if (gguf.Has(key("rope.scale_linear"))) {
    c.rope_scaling.type = RopeScaling::kLinear;
    ASSIGN_OR_RETURN(c.rope_scaling.factor, gguf.GetFloat(key("rope.scale_linear")));
  }
  if (const GgufTensor* freqs = gguf.FindTensor("rope_freqs.weight")) {
    if (freqs->type != DType::kF32 || freqs->elements() != c.head_dim / 2) {
      return absl::InvalidArgumentError(
          absl::StrCat(gguf.path(), ": rope_freqs.weight must be ", c.head_dim / 2, " F32 values"));
    }
    c.rope_freq_factors.resize(c.head_dim / 2);
    std::memcpy(c.rope_freq_factors.data(), freqs->data, c.head_dim / 2 * sizeof(float));
    for (float factor : c.rope_freq_factors) {
      if (!(factor > 0.0f)) {
        return absl::InvalidArgumentError(
            absl::StrCat(gguf.path(), ": rope_freqs.weight holds a factor that is not positive"));
      }
    }
  }
  ASSIGN_OR_RETURN(const auto* tokens, gguf.GetStringArray("tokenizer.ggml.tokens"));
  ASSIGN_OR_RETURN(c.vocab_size, gguf.GetUIntOr(key("vocab_size"), tokens->size()));
  if (gguf.Has("tokenizer.ggml.bos_token_id")) {
    ASSIGN_OR_RETURN(const uint64_t bos, gguf.GetUInt("tokenizer.ggml.bos_token_id"));
    c.bos_token_id = static_cast<int32_t>(bos);
  }
  for (const char* key : {"tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id"}) {
    if (!gguf.Has(key)) continue;
    ASSIGN_OR_RETURN(const uint64_t id, gguf.GetUInt(key));
    if (std::find(c.eos_token_ids.begin(), c.eos_token_ids.end(), id) == c.eos_token_ids.end()) {
      c.eos_token_ids.push_back(static_cast<int32_t>(id));
    }
  }
  return c;
}

void AddBias(const std::vector<float>& bias, float* x) {
  for (size_t i = 0; i < bias.size(); ++i) x[i] += bias[i];
}

}  // namespace

absl::StatusOr<std::unique_ptr<LlamaModel>> LlamaModel::FromGguf(std::unique_ptr<GgufFile> gguf,
                                                                 const LoadOptions& options) {
  ASSIGN_OR_RETURN(ModelConfig config, ConfigFromGguf(*gguf));
  return FromWeights(std::move(config), GgufWeights(std::move(gguf)), options);
}

absl::StatusOr<std::unique_ptr<LlamaModel>> LlamaModel::FromHfDirectory(
    const std::string& dir, const LoadOptions& options) {
  ASSIGN_OR_RETURN(ModelConfig config, ModelConfigFromHfDirectory(dir));
  ASSIGN_OR_RETURN(std::unique_ptr<SafetensorsFile> file, SafetensorsFile::OpenDirectory(dir));
  return FromWeights(std::move(config), SafetensorsWeights(std::move(file), dir), options);
}

absl::StatusOr<std::unique_ptr<LlamaModel>> LlamaModel::FromWeights(
    ModelConfig config, std::unique_ptr<WeightSource> weights, const LoadOptions& options) {
  std::unique_ptr<LlamaModel> model(new LlamaModel());
  model->config_ = std::move(config);
  ModelConfig& c = model->config_;
  const WeightSource& g = *weights;
  const int64_t q_dim = c.num_heads * c.head_dim, kv_dim = c.num_kv_heads * c.head_dim;

  ASSIGN_OR_RETURN(model->embeddings_, Matrix(g, "token_embd.weight", c.vocab_size, c.hidden_size));
  ASSIGN_OR_RETURN(model->output_norm_, Vector(g, "output_norm.weight", c.hidden_size));
  // A checkpoint without an LM head ties it to the embeddings.
  c.tied_embeddings = !g.Find("output.weight").has_value();
  if (c.tied_embeddings) {
    model->lm_head_ = model->embeddings_;
  } else {
    ASSIGN_OR_RETURN(model->lm_head_, Matrix(g, "output.weight", c.vocab_size, c.hidden_size));
  }
  for (int64_t l = 0; l < c.num_layers; ++l) {
    const std::string p = absl::StrCat("blk.", l, ".");
    Layer layer;
    ASSIGN_OR_RETURN(layer.attn_norm, Vector(g, p + "attn_norm.weight", c.hidden_size));
    ASSIGN_OR_RETURN(layer.ffn_norm, Vector(g, p + "ffn_norm.weight", c.hidden_size));
    if (c.qkv_bias) {
      ASSIGN_OR_RETURN(layer.q_bias, Vector(g, p + "attn_q.bias", q_dim));
      ASSIGN_OR_RETURN(layer.k_bias, Vector(g, p + "attn_k.bias", kv_dim));
      ASSIGN_OR_RETURN(layer.v_bias, Vector(g, p + "attn_v.bias", kv_dim));
    }
    ASSIGN_OR_RETURN(layer.q, Matrix(g, p + "attn_q.weight", q_dim, c.hidden_size));
    ASSIGN_OR_RETURN(layer.k, Matrix(g, p + "attn_k.weight", kv_dim, c.hidden_size));
    ASSIGN_OR_RETURN(layer.v, Matrix(g, p + "attn_v.weight", kv_dim, c.hidden_size));
    ASSIGN_OR_RETURN(layer.o, Matrix(g, p + "attn_output.weight", c.hidden_size, q_dim));
    ASSIGN_OR_RETURN(layer.gate,
                     Matrix(g, p + "ffn_gate.weight", c.intermediate_size, c.hidden_size));
    ASSIGN_OR_RETURN(layer.up, Matrix(g, p + "ffn_up.weight", c.intermediate_size, c.hidden_size));
    ASSIGN_OR_RETURN(layer.down,
                     Matrix(g, p + "ffn_down.weight", c.hidden_size, c.intermediate_size));
    model->layers_.push_back(std::move(layer));
  }
  model->rope_inv_freq_ = RopeInvFreq(c, c.context_length);
  model->rope_attention_factor_ = RopeAttentionFactor(c);
  model->weights_ = std::move(weights);
  model->heads_ = c.num_heads;
  model->kv_heads_ = c.num_kv_heads;
  model->ffn_ = c.intermediate_size;
  model->vocab_shard_ = c.vocab_size;
  if (options.tensor_parallel_size > 1) {
    if (absl::Status s =
            model->TakeShard(options.tensor_parallel_rank, options.tensor_parallel_size);
        !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          g.path(), ": TENSOR_PARALLEL=", options.tensor_parallel_size, ": ", s.message()));
    }
  }
  model->PrefaultWeights();
  if (!options.keep_stored_layout) {
    if (options.int8_weights) model->QuantizeInt8();
    model->RepackRows8();
  }
  return model;
}

absl::Status LlamaModel::TakeShard(int rank, int size) {
  const ModelConfig& c = config_;
  if (c.num_kv_heads % size != 0 || c.intermediate_size % size != 0) {
    return absl::InvalidArgumentError(absl::StrCat("the ranks must split the kv heads (",
                                                   c.num_kv_heads, ") and the MLP width (",
                                                   c.intermediate_size, ") evenly"));
  }
  rank_ = rank;
  ranks_ = size;
  heads_ = c.num_heads / size;
  kv_heads_ = c.num_kv_heads / size;
  ffn_ = c.intermediate_size / size;
  vocab_shard_ = (c.vocab_size + size - 1) / size;
  const int64_t q_dim = heads_ * c.head_dim, kv_dim = kv_heads_ * c.head_dim;
  auto slice = [rank](const std::vector<float>& v, int64_t n) {
    return std::vector<float>(v.begin() + rank * n, v.begin() + (rank + 1) * n);
  };
  auto columns = [&](WeightView& w, int64_t n, const char* name) -> absl::Status {
    owned_weights_.emplace_back();
    absl::StatusOr<WeightView> part = cpu::SliceColumns(w, rank * n, n, owned_weights_.back());
    if (!part.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": ", part.status().message()));
    }
    w = *part;
    return absl::OkStatus();
  };
  for (Layer& layer : layers_) {
    layer.q = cpu::SliceRows(layer.q, rank * q_dim, q_dim);
    layer.k = cpu::SliceRows(layer.k, rank * kv_dim, kv_dim);
    layer.v = cpu::SliceRows(layer.v, rank * kv_dim, kv_dim);
    if (c.qkv_bias) {
      layer.q_bias = slice(layer.q_bias, q_dim);
      layer.k_bias = slice(layer.k_bias, kv_dim);
      layer.v_bias = slice(layer.v_bias, kv_dim);
    }
    layer.gate = cpu::SliceRows(layer.gate, rank * ffn_, ffn_);
    layer.up = cpu::SliceRows(layer.up, rank * ffn_, ffn_);
    RETURN_IF_ERROR(columns(layer.o, q_dim, "attention output"));
    RETURN_IF_ERROR(columns(layer.down, ffn_, "MLP down projection"));
  }
  const int64_t vocab_begin = std::min<int64_t>(c.vocab_size, rank * vocab_shard_);
  lm_head_ =
      cpu::SliceRows(lm_head_, vocab_begin, std::min(vocab_shard_, c.vocab_size - vocab_begin));
  return absl::OkStatus();
}

ModelConfig LlamaModel::KvConfig() const {
  ModelConfig kv = config_;
  kv.num_heads = heads_;
  kv.num_kv_heads = kv_heads_;
  return kv;
}

std::vector<cpu::WeightView*> LlamaModel::Matrices() {
  std::vector<cpu::WeightView*> matrices = {&embeddings_};
  if (!config_.tied_embeddings) matrices.push_back(&lm_head_);
  for (Layer& layer : layers_) {
    for (cpu::WeightView* w :
         {&layer.q, &layer.k, &layer.v, &layer.o, &layer.gate, &layer.up, &layer.down}) {
      matrices.push_back(w);
    }
  }
  return matrices;
}

std::vector<const cpu::WeightView*> LlamaModel::Matrices() const {
  std::vector<cpu::WeightView*> matrices = const_cast<LlamaModel*>(this)->Matrices();
  return std::vector<const cpu::WeightView*>(matrices.begin(), matrices.end());
}

void LlamaModel::PrefaultWeights() const {
  size_t total = 0;
  for (const cpu::WeightView* w : Matrices()) total += RowBytes(w->type, w->cols) * w->rows;
  constexpr size_t kPage = 4096;
  const bool report = total > (size_t{1} << 30);
  size_t done = 0;
  int reported = 0;
  volatile uint8_t sink = 0;
  for (const cpu::WeightView* w : Matrices()) {
    const size_t bytes = RowBytes(w->type, w->cols) * w->rows;
    for (size_t at = 0; at < bytes; at += kPage) sink = sink + w->data[at];
    done += bytes;
    if (report && done * 10 / total > static_cast<size_t>(reported)) {
      reported = static_cast<int>(done * 10 / total);
      LLM_LOG(INFO) << "reading weights: " << reported * 10 << "% (" << done / 1000000 << " of "
                    << total / 1000000 << " MB)";
    }
  }
}

int64_t LlamaModel::ParameterCount() const {
  int64_t parameters = static_cast<int64_t>(output_norm_.size());
  for (const cpu::WeightView* w : Matrices()) parameters += w->rows * w->cols;
  for (const Layer& layer : layers_) {
    parameters +=
        static_cast<int64_t>(layer.attn_norm.size() + layer.ffn_norm.size() + layer.q_bias.size() +
                             layer.k_bias.size() + layer.v_bias.size());
  }
  return parameters;
}

std::string LlamaModel::WeightFormat() const {
  std::map<std::string, int64_t> formats;
  for (const cpu::WeightView* w : Matrices()) {
    formats[std::string(Info(w->type).name)] += w->rows * w->cols;
  }
  return std::max_element(formats.begin(), formats.end(),
                          [](const auto& a, const auto& b) { return a.second < b.second; })
      ->first;
}

std::string LlamaModel::Summary() const {
  const int64_t parameters = ParameterCount();
  size_t bytes = static_cast<size_t>(parameters) * sizeof(float);  // Vectors stay f32.
  std::map<std::string, int64_t> formats;                          // dtype name → parameters.
  for (const cpu::WeightView* w : Matrices()) {
    bytes += RowBytes(w->type, w->cols) * w->rows - w->rows * w->cols * sizeof(float);
    formats[std::string(Info(w->type).name)] += w->rows * w->cols;
  }
  std::vector<std::string> shares;
  for (const auto& [name, count] : formats) {
    shares.push_back(absl::StrFormat("%s %.0f%%", name, 100.0 * count / parameters));
  }
  return absl::StrFormat("%s, %.1fM parameters (%s), %.1f MB of weights, %d layers, context %d",
                         config_.architecture, parameters / 1e6, absl::StrJoin(shares, ", "),
                         bytes / 1e6, static_cast<int>(config_.num_layers),
                         static_cast<int>(config_.context_length));
}

void LlamaModel::QuantizeInt8() {
  cpu::ThreadPool pool(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  for (cpu::WeightView* w : Matrices()) {
    if (!cpu::CanQuantizeInt8(*w)) continue;
    owned_weights_.push_back(cpu::QuantizeInt8PerChannel(*w, pool));
    *w = cpu::WeightView{DType::kQ8_0, w->rows, w->cols, owned_weights_.back().data()};
  }
  if (config_.tied_embeddings) lm_head_ = embeddings_;
}

void LlamaModel::RepackRows8() {
  std::vector<cpu::WeightView*> matrices = Matrices();
  if (config_.tied_embeddings) matrices.push_back(&lm_head_);  // A copy; lookups read rows.
  for (cpu::WeightView* w : matrices) {
    if (w == &embeddings_) continue;
    std::vector<uint8_t> storage;
    const cpu::WeightView repacked = cpu::ToRows8(*w, storage);
    if (repacked.data == w->data) continue;
    owned_weights_.push_back(std::move(storage));  // The bytes stay where they are.
    *w = repacked;
  }
}

absl::Status LlamaModel::Forward(const std::vector<int32_t>& tokens, int64_t start, KvBlocks& cache,
                                 float* logits, cpu::ThreadPool& pool) const {
  std::vector<int32_t> table(cache.count());
  std::iota(table.begin(), table.end(), 0);
  return Forward({SequenceStep{tokens, start, table.data()}}, cache, logits, pool);
}

absl::Status LlamaModel::Forward(const std::vector<SequenceStep>& steps, KvBlocks& cache,
                                 float* logits, cpu::ThreadPool& pool, Communicator* comm) const {
  const ModelConfig& c = config_;
  const int64_t hidden = c.hidden_size, head_dim = c.head_dim;
  const int64_t q_dim = heads_ * head_dim, kv_dim = kv_heads_ * head_dim;  // This shard's.
  // A row-parallel product holds this rank's partial sums until the ranks add them up.
  auto all_reduce = [&](std::vector<float>& partial) {
    return ranks_ == 1 ? absl::OkStatus()
                       : comm->AllReduceSum(partial.data(), static_cast<int64_t>(partial.size()));
  };

  // All steps' tokens side by side: token j belongs to step owner[j], at position[j].
  std::vector<int64_t> first(steps.size() + 1, 0);
  for (size_t i = 0; i < steps.size(); ++i) {
    first[i + 1] = first[i] + static_cast<int64_t>(steps[i].tokens.size());
  }
  const int64_t n = first.back();
  std::vector<int64_t> owner(n), position(n);
  for (size_t i = 0; i < steps.size(); ++i) {
    for (int64_t j = first[i]; j < first[i + 1]; ++j) {
      owner[j] = static_cast<int64_t>(i);
      position[j] = steps[i].start + (j - first[i]);
    }
  }

  // Rotary frequencies per step: dynamic scaling follows each sequence's length (as
  // transformers recomputes them for the longest position in the call).
  std::vector<std::vector<float>> inv_freqs(steps.size(), rope_inv_freq_);
  if (c.rope_scaling.type == RopeScaling::kDynamic) {
    for (size_t i = 0; i < steps.size(); ++i) {
      const int64_t length = steps[i].start + static_cast<int64_t>(steps[i].tokens.size());
      if (length > c.context_length) inv_freqs[i] = RopeInvFreq(c, length);
    }
  }

  // Each token's rotation, shared by every head and layer: [n, head_dim / 2] each.
  const int64_t half = head_dim / 2;
  std::vector<float> rope_cos(n * half), rope_sin(n * half);
  for (int64_t t = 0; t < n; ++t) {
    RopeRotation(position[t], inv_freqs[owner[t]], rope_attention_factor_, &rope_cos[t * half],
                 &rope_sin[t * half]);
  }
  std::vector<cpu::AttentionSequence> attention(steps.size());

  // Activations, row-major [token, features].
  std::vector<float> x(n * hidden), h(n * hidden), q(n * q_dim), k(n * kv_dim), v(n * kv_dim);
  std::vector<float> attn(n * q_dim), proj(n * hidden);
  std::vector<float> gate(n * ffn_), up(n * ffn_);

  for (size_t i = 0; i < steps.size(); ++i) {
    for (int64_t j = first[i]; j < first[i + 1]; ++j) {
      const int32_t token = steps[i].tokens[j - first[i]];
      cpu::DequantizeRow(embeddings_.type, embeddings_.row(token), hidden, &x[j * hidden]);
    }
  }
  // Per-token work (rotations, cache stores) goes to the threads in runs of
  // tokens; a decode step of a few tokens stays on this thread.
  auto per_token = [&](auto fn) {
    pool.ParallelFor(n, 4, [&](int64_t begin, int64_t end) {
      for (int64_t t = begin; t < end; ++t) fn(t);
    });
  };
  const int64_t ffn = ffn_;
  // Each layer ends with x += proj (the down projection's output). That add, the norms
  // and SiLU run inside the next product's pass over the tokens (MatMuls' `prepare`):
  // a decode step waits for the threads four times fewer per layer.
  auto add_proj = [&](int64_t t) {
    for (int64_t i = t * hidden; i < (t + 1) * hidden; ++i) x[i] += proj[i];
  };
  for (int64_t l = 0; l < c.num_layers; ++l) {
    const Layer& layer = layers_[l];
    cpu::MatMuls({{&layer.q, q.data()}, {&layer.k, k.data()}, {&layer.v, v.data()}}, h.data(), n,
                 pool, [&](int64_t t) {
                   if (l > 0) add_proj(t);
                   cpu::RmsNorm(&x[t * hidden], layer.attn_norm.data(), c.rms_norm_eps, hidden,
                                &h[t * hidden]);
                 });
    per_token([&](int64_t t) {
      if (c.qkv_bias) {
        AddBias(layer.q_bias, &q[t * q_dim]);
        AddBias(layer.k_bias, &k[t * kv_dim]);
        AddBias(layer.v_bias, &v[t * kv_dim]);
      }
      const float* cos = &rope_cos[t * half];
      const float* sin = &rope_sin[t * half];
      for (int64_t hd = 0; hd < heads_; ++hd) {
        ApplyRope(&q[t * q_dim + hd * head_dim], head_dim, c.rope_style, cos, sin);
      }
      for (int64_t hd = 0; hd < kv_heads_; ++hd) {
        ApplyRope(&k[t * kv_dim + hd * head_dim], head_dim, c.rope_style, cos, sin);
      }
      cache.Store(l, steps[owner[t]].block_table, position[t], &k[t * kv_dim], &v[t * kv_dim]);
    });
    for (size_t i = 0; i < steps.size(); ++i) {
      attention[i] = {first[i + 1] - first[i], steps[i].start,
                      cache.Layer(l, steps[i].block_table)};
    }
    cpu::CausalAttention({heads_, kv_heads_, head_dim, c.sliding_window}, attention, q.data(),
                         attn.data(), pool);
    cpu::MatMul(layer.o, attn.data(), n, proj.data(), pool);
    RETURN_IF_ERROR(all_reduce(proj));
    cpu::MatMuls({{&layer.gate, gate.data()}, {&layer.up, up.data()}}, h.data(), n, pool,
                 [&](int64_t t) {
                   add_proj(t);
                   cpu::RmsNorm(&x[t * hidden], layer.ffn_norm.data(), c.rms_norm_eps, hidden,
                                &h[t * hidden]);
                 });
    cpu::MatMul(layer.down, gate.data(), n, proj.data(), pool, [&](int64_t t) {
      cpu::SiluMul(&gate[t * ffn], &up[t * ffn], ffn, &gate[t * ffn]);
    });
    RETURN_IF_ERROR(all_reduce(proj));
  }
  // Logits only where they are used: each step's last token, or all its tokens.
  int64_t rows = 0;
  for (size_t i = 0; i < steps.size(); ++i) {
    for (int64_t t = steps[i].all_logits ? first[i] : first[i + 1] - 1; t < first[i + 1]; ++t) {
      if (c.num_layers > 0) add_proj(t);
      cpu::RmsNorm(&x[t * hidden], output_norm_.data(), c.rms_norm_eps, hidden,
                   &h[rows++ * hidden]);
    }
  }
  if (ranks_ == 1) {
    cpu::MatMul(lm_head_, h.data(), rows, logits, pool);
    return absl::OkStatus();
  }
  // Vocabulary-parallel LM head: each rank's [rows, vocab_shard_] block (the last one
  // padded), gathered as [rank, rows, vocab_shard_], then laid out as [rows, vocab].
  std::vector<float> mine(rows * vocab_shard_, 0.0f), all(ranks_ * mine.size());
  std::vector<float> part(rows * lm_head_.rows);
  cpu::MatMul(lm_head_, h.data(), rows, part.data(), pool);
  for (int64_t r = 0; r < rows; ++r) {
    std::copy_n(&part[r * lm_head_.rows], lm_head_.rows, &mine[r * vocab_shard_]);
  }
  RETURN_IF_ERROR(comm->AllGather(mine.data(), static_cast<int64_t>(mine.size()), all.data()));
  for (int rank = 0; rank < ranks_; ++rank) {
    const int64_t begin = std::min<int64_t>(c.vocab_size, rank * vocab_shard_);
    const int64_t count = std::min(vocab_shard_, c.vocab_size - begin);
    for (int64_t r = 0; r < rows; ++r) {
      std::copy_n(&all[(rank * rows + r) * vocab_shard_], count, &logits[r * c.vocab_size + begin]);
    }
  }
  return absl::OkStatus();
}

}  // namespace llm
