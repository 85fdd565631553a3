#include "engine/model/hf_config.h"

#include <filesystem>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/json_file.h"
#include "common/status_macros.h"
#include "engine/model/architecture.h"
#include "rapidjson/document.h"

namespace llm {
namespace {

namespace fs = std::filesystem;

// Reads config.json keys with the checks and defaults transformers applies.
class Keys {
 public:
  Keys(const rapidjson::Document& json, std::string path) : json_(json), path_(std::move(path)) {}

  absl::StatusOr<int64_t> Int(const char* key,
                              std::optional<int64_t> fallback = std::nullopt) const {
    if (!json_.HasMember(key) || json_[key].IsNull()) {
      if (fallback.has_value()) return *fallback;
      return Error(key, "is missing");
    }
    if (!json_[key].IsInt64() || json_[key].GetInt64() < 0) return Error(key, "is not a count");
    return json_[key].GetInt64();
  }

  absl::StatusOr<double> Number(const char* key, double fallback) const {
    if (!json_.HasMember(key) || json_[key].IsNull()) return fallback;
    if (!json_[key].IsNumber()) return Error(key, "is not a number");
    return json_[key].GetDouble();
  }

  absl::StatusOr<bool> Bool(const char* key, bool fallback) const {
    if (!json_.HasMember(key) || json_[key].IsNull()) return fallback;
    if (!json_[key].IsBool()) return Error(key, "is not true or false");
    return json_[key].GetBool();
  }

  // An id or a list of ids (eos_token_id may be either).
  absl::StatusOr<std::vector<int32_t>> Ids(const char* key) const {
    std::vector<int32_t> ids;
    if (!json_.HasMember(key) || json_[key].IsNull()) return ids;
    const rapidjson::Value& value = json_[key];
    if (value.IsInt()) return std::vector<int32_t>{value.GetInt()};
    if (!value.IsArray()) return Error(key, "is not an id or a list of ids");
    for (const rapidjson::Value& id : value.GetArray()) {
      if (!id.IsInt()) return Error(key, "is not an id or a list of ids");
      ids.push_back(id.GetInt());
    }
    return ids;
  }

  absl::Status Error(const char* key, absl::string_view problem) const {
    return absl::InvalidArgumentError(absl::StrCat(path_, ": ", key, " ", problem));
  }

 private:
  const rapidjson::Document& json_;
  std::string path_;
};

// rope_scaling: the type from rope_type, or the legacy key type.
absl::StatusOr<RopeScaling> ParseRopeScaling(const rapidjson::Value& json,
                                             const std::string& path) {
  auto error = [&path](absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": rope_scaling ", what));
  };
  if (!json.IsObject()) return error("is not an object");
  const char* type_key = json.HasMember("rope_type") ? "rope_type" : "type";
  if (!json.HasMember(type_key) || !json[type_key].IsString()) return error("has no rope_type");
  const std::string type = json[type_key].GetString();
  RopeScaling s;
  if (type == "linear") {
    s.type = RopeScaling::kLinear;
  } else if (type == "dynamic") {
    s.type = RopeScaling::kDynamic;
  } else if (type == "llama3") {
    s.type = RopeScaling::kLlama3;
  } else if (type == "yarn") {
    s.type = RopeScaling::kYarn;
  } else if (type == "default") {
    return s;
  } else {
    return absl::UnimplementedError(
        absl::StrCat(path, ": rope_scaling type '", type, "' is not supported"));
  }
  auto number = [&json](const char* key, double fallback) {
    return json.HasMember(key) && json[key].IsNumber() ? json[key].GetDouble() : fallback;
  };
  s.factor = number("factor", 1.0);
  if (s.factor <= 0) return error("factor must be positive");
  s.low_freq_factor = number("low_freq_factor", s.low_freq_factor);
  s.high_freq_factor = number("high_freq_factor", s.high_freq_factor);
  s.original_context = number("original_max_position_embeddings", s.original_context);
  s.beta_fast = number("beta_fast", s.beta_fast);
  s.beta_slow = number("beta_slow", s.beta_slow);
  s.attention_factor = static_cast<float>(number("attention_factor", 0.0));
  return s;
}

}  // namespace

absl::StatusOr<ModelConfig> ModelConfigFromHfDirectory(const std::string& dir) {
  const std::string path = (fs::path(dir) / "config.json").string();
  ASSIGN_OR_RETURN(const rapidjson::Document json, ReadJsonObject(path));
  if (!json.HasMember("architectures") || !json["architectures"].IsArray() ||
      json["architectures"].Empty() || !json["architectures"][0].IsString()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": architectures is missing"));
  }
  const std::string hf_name = json["architectures"][0].GetString();
  const ArchitectureTraits* traits = FindHfArchitecture(hf_name);
  if (traits == nullptr) {
    return absl::UnimplementedError(absl::StrCat(
        path, ": architecture ", hf_name,
        " is not supported (supported: ", absl::StrJoin(HfArchitectureNames(), ", "), ")"));
  }
  const Keys keys(json, path);
  ModelConfig c;
  c.architecture = hf_name;
  c.qkv_bias = traits->qkv_bias;
  c.rope_style = RopeStyle::kHalfSplit;  // HF checkpoints rotate the halves of each head.
  ASSIGN_OR_RETURN(c.vocab_size, keys.Int("vocab_size"));
  ASSIGN_OR_RETURN(c.hidden_size, keys.Int("hidden_size"));
  ASSIGN_OR_RETURN(c.intermediate_size, keys.Int("intermediate_size"));
  ASSIGN_OR_RETURN(c.num_layers, keys.Int("num_hidden_layers"));
  ASSIGN_OR_RETURN(c.num_heads, keys.Int("num_attention_heads"));
  ASSIGN_OR_RETURN(c.num_kv_heads, keys.Int("num_key_value_heads", c.num_heads));
  if (c.num_heads == 0 || c.num_kv_heads == 0 || c.num_heads % c.num_kv_heads != 0) {
    return keys.Error("num_key_value_heads", "does not divide num_attention_heads");
  }
  ASSIGN_OR_RETURN(c.head_dim, keys.Int("head_dim", c.hidden_size / c.num_heads));
  ASSIGN_OR_RETURN(c.context_length, keys.Int("max_position_embeddings", 2048));
  ASSIGN_OR_RETURN(const double eps, keys.Number("rms_norm_eps", 1e-6));
  ASSIGN_OR_RETURN(const double theta, keys.Number("rope_theta", 10000.0));
  c.rms_norm_eps = static_cast<float>(eps);
  c.rope_theta = static_cast<float>(theta);
  if (json.HasMember("rope_scaling") && !json["rope_scaling"].IsNull()) {
    ASSIGN_OR_RETURN(c.rope_scaling, ParseRopeScaling(json["rope_scaling"], path));
  }
  // Mistral's window applies when set; Qwen2's only with use_sliding_window.
  ASSIGN_OR_RETURN(c.sliding_window, keys.Int("sliding_window", 0));
  ASSIGN_OR_RETURN(const bool qwen_window, keys.Bool("use_sliding_window", false));
  if (hf_name == "Qwen2ForCausalLM" && !qwen_window) c.sliding_window = 0;
  if (qwen_window) {
    return absl::UnimplementedError(
        absl::StrCat(path, ": use_sliding_window (per-layer windows) is not supported yet"));
  }
  // Llama's and Qwen2's classes default tie_word_embeddings to false.
  ASSIGN_OR_RETURN(c.tied_embeddings, keys.Bool("tie_word_embeddings", false));
  ASSIGN_OR_RETURN(const std::vector<int32_t> bos, keys.Ids("bos_token_id"));
  if (!bos.empty()) c.bos_token_id = bos[0];
  ASSIGN_OR_RETURN(c.eos_token_ids, keys.Ids("eos_token_id"));

  // generation_config.json may list more end-of-sequence ids (Llama-3.1: three).
  const std::string generation_path = (fs::path(dir) / "generation_config.json").string();
  if (fs::exists(generation_path)) {
    ASSIGN_OR_RETURN(const rapidjson::Document generation, ReadJsonObject(generation_path));
    ASSIGN_OR_RETURN(const std::vector<int32_t> more,
                     Keys(generation, generation_path).Ids("eos_token_id"));
    for (int32_t id : more) {
      if (std::find(c.eos_token_ids.begin(), c.eos_token_ids.end(), id) == c.eos_token_ids.end()) {
        c.eos_token_ids.push_back(id);
      }
    }
  }
  return c;
}

}  // namespace llm
