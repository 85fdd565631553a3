#include "engine/model/weight_source.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace llm {
namespace {

class GgufSource : public WeightSource {
 public:
  explicit GgufSource(std::unique_ptr<GgufFile> gguf) : gguf_(std::move(gguf)) {}
  const std::string& path() const override { return gguf_->path(); }
  std::optional<TensorView> Find(absl::string_view name) const override {
    const GgufTensor* t = gguf_->FindTensor(name);
    if (t == nullptr) return std::nullopt;
    // ggml lists the contiguous dimension first.
    return TensorView{t->type, std::vector<int64_t>(t->shape.rbegin(), t->shape.rend()), t->data};
  }

 private:
  std::unique_ptr<GgufFile> gguf_;
};

class SafetensorsSource : public WeightSource {
 public:
  SafetensorsSource(std::unique_ptr<SafetensorsFile> file, std::string dir)
      : file_(std::move(file)), dir_(std::move(dir)) {}
  const std::string& path() const override { return dir_; }
  std::optional<TensorView> Find(absl::string_view name) const override {
    const std::optional<std::string> hf_name = HfTensorName(name);
    if (!hf_name.has_value()) return std::nullopt;
    const SafetensorsTensor* t = file_->Find(*hf_name);
    if (t == nullptr) return std::nullopt;
    return TensorView{t->type, t->shape, t->data};
  }
  std::string FileName(absl::string_view name) const override {
    return HfTensorName(name).value_or(std::string(name));
  }

 private:
  std::unique_ptr<SafetensorsFile> file_;
  std::string dir_;
};

}  // namespace

std::unique_ptr<WeightSource> GgufWeights(std::unique_ptr<GgufFile> gguf) {
  return std::make_unique<GgufSource>(std::move(gguf));
}

std::unique_ptr<WeightSource> SafetensorsWeights(std::unique_ptr<SafetensorsFile> file,
                                                 std::string dir) {
  return std::make_unique<SafetensorsSource>(std::move(file), std::move(dir));
}

std::optional<std::string> HfTensorName(absl::string_view gguf_name) {
  if (gguf_name == "token_embd.weight") return "model.embed_tokens.weight";
  if (gguf_name == "output_norm.weight") return "model.norm.weight";
  if (gguf_name == "output.weight") return "lm_head.weight";
  // blk.N.<role>.<weight|bias>
  const std::vector<absl::string_view> parts = absl::StrSplit(gguf_name, '.');
  int layer = 0;
  if (parts.size() != 4 || parts[0] != "blk" || !absl::SimpleAtoi(parts[1], &layer)) {
    return std::nullopt;
  }
  static constexpr std::pair<absl::string_view, absl::string_view> kRoles[] = {
      {"attn_norm", "input_layernorm"}, {"ffn_norm", "post_attention_layernorm"},
      {"attn_q", "self_attn.q_proj"},   {"attn_k", "self_attn.k_proj"},
      {"attn_v", "self_attn.v_proj"},   {"attn_output", "self_attn.o_proj"},
      {"ffn_gate", "mlp.gate_proj"},    {"ffn_up", "mlp.up_proj"},
      {"ffn_down", "mlp.down_proj"},
  };
  for (const auto& [gguf_role, hf_role] : kRoles) {
    if (parts[2] == gguf_role)
      return absl::StrCat("model.layers.", layer, ".", hf_role, ".", parts[3]);
  }
  return std::nullopt;
}

}  // namespace llm
