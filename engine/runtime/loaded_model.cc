#include "engine/runtime/loaded_model.h"

#include <filesystem>

#include "common/json_file.h"
#include "common/status_macros.h"
#include "engine/model/gguf/gguf_file.h"
#include "rapidjson/document.h"

namespace llm {
namespace {

// tokenizer_config.json's chat_template: a string, or a list of named templates of
// which "default" is the one to use.
std::string HfChatTemplate(const std::string& dir) {
  absl::StatusOr<rapidjson::Document> config =
      ReadJsonObject((std::filesystem::path(dir) / "tokenizer_config.json").string());
  if (!config.ok() || !config->HasMember("chat_template")) return "";
  const rapidjson::Document& json = *config;
  const rapidjson::Value& value = json["chat_template"];
  if (value.IsString()) return value.GetString();
  if (value.IsArray()) {
    for (const rapidjson::Value& entry : value.GetArray()) {
      if (entry.IsObject() && entry.HasMember("name") && entry["name"].IsString() &&
          std::string(entry["name"].GetString()) == "default" && entry["template"].IsString()) {
        return entry["template"].GetString();
      }
    }
  }
  return "";
}

}  // namespace

absl::StatusOr<std::unique_ptr<LoadedModel>> LoadModel(const ModelSource& source,
                                                       const EngineConfig& config,
                                                       bool for_device) {
  auto loaded = std::make_unique<LoadedModel>();
  loaded->source = source;
  for (int rank = 0; rank < config.tensor_parallel; ++rank) {
    const LoadOptions options{.int8_weights = config.use_int8,
                              .keep_stored_layout = for_device,
                              .tensor_parallel_rank = rank,
                              .tensor_parallel_size = config.tensor_parallel};
    std::unique_ptr<LlamaModel> shard;
    if (source.format == ModelFormat::kGguf) {
      ASSIGN_OR_RETURN(std::unique_ptr<GgufFile> gguf, GgufFile::Open(source.path));
      if (rank == 0) {
        ASSIGN_OR_RETURN(loaded->tokenizer, Tokenizer::FromGguf(*gguf));
        if (gguf->Has("tokenizer.chat_template")) {
          ASSIGN_OR_RETURN(absl::string_view chat_template,
                           gguf->GetString("tokenizer.chat_template"));
          loaded->chat_template = std::string(chat_template);
        }
      }
      ASSIGN_OR_RETURN(shard, LlamaModel::FromGguf(std::move(gguf), options));
    } else {
      if (rank == 0) {
        ASSIGN_OR_RETURN(loaded->tokenizer, Tokenizer::FromHfDirectory(source.path));
        loaded->chat_template = HfChatTemplate(source.path);
      }
      ASSIGN_OR_RETURN(shard, LlamaModel::FromHfDirectory(source.path, options));
    }
    (rank == 0 ? loaded->model : loaded->other_ranks.emplace_back()) = std::move(shard);
  }
  return loaded;
}

std::vector<const LlamaModel*> LoadedModel::Shards() const {
  std::vector<const LlamaModel*> shards = {model.get()};
  for (const auto& rank : other_ranks) shards.push_back(rank.get());
  return shards;
}

}  // namespace llm
