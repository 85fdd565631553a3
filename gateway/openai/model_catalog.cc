#include "gateway/openai/model_catalog.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace llm {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// Every id /v1/models lists, with what it selects.
struct Entry {
  std::string id;
  std::string adapter;
};

std::vector<Entry> Entries(const llm::v1::ModelInfoResponse& info) {
  std::vector<Entry> entries = {{info.served_name(), ""}};
  for (const auto& adapter : info.adapters()) entries.push_back({adapter.name(), adapter.name()});
  entries.push_back({kModelAlias, ""});
  return entries;
}

void ModelObject(Writer& w, const std::string& id, const std::string& root, int64_t created) {
  w.StartObject();
  w.Key("id");
  w.String(id.c_str());
  w.Key("object");
  w.String("model");
  w.Key("created");
  w.Int64(created);
  w.Key("owned_by");
  w.String("llm-serving");
  w.Key("root");
  w.String(root.c_str());
  w.EndObject();
}

OpenAiError NotFound(absl::string_view model) {
  return {.status = boost::beast::http::status::not_found,
          .message = absl::StrCat("The model `", model,
                                  "` does not exist or you do not have access to it."),
          .param = "model",
          .code = "model_not_found"};
}

}  // namespace

std::variant<ModelChoice, OpenAiError> ResolveModel(const llm::v1::ModelInfoResponse& info,
                                                    absl::string_view model) {
  if (model == info.served_name() || model == info.source() || absl::StartsWith(model, "gpt-")) {
    return ModelChoice{};
  }
  for (const auto& adapter : info.adapters()) {
    if (model == adapter.name()) return ModelChoice{adapter.name()};
  }
  return NotFound(model);
}

std::string ModelListJson(const llm::v1::ModelInfoResponse& info, int64_t created) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("object");
  w.String("list");
  w.Key("data");
  w.StartArray();
  for (const Entry& entry : Entries(info)) {
    ModelObject(w, entry.id, entry.adapter.empty() ? info.served_name() : entry.adapter, created);
  }
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::variant<std::string, OpenAiError> ModelJson(const llm::v1::ModelInfoResponse& info,
                                                 absl::string_view id, int64_t created) {
  std::variant<ModelChoice, OpenAiError> choice = ResolveModel(info, id);
  if (auto* error = std::get_if<OpenAiError>(&choice)) return *error;
  const std::string& adapter = std::get<ModelChoice>(choice).adapter;
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  ModelObject(w, std::string(id), adapter.empty() ? info.served_name() : adapter, created);
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace llm
