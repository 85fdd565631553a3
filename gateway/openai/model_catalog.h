// Which model a request's `model` names, from the engines' ModelInfo: the served name
// and the HF id (or path) select the base model, OpenAI's "gpt-*" names are aliases of
// it (code with "gpt-3.5-turbo" hard-coded just works), and a LoRA adapter's name
// selects that adapter. Anything else is 404 model_not_found, as OpenAI answers.
#ifndef LLM_GATEWAY_OPENAI_MODEL_CATALOG_H_
#define LLM_GATEWAY_OPENAI_MODEL_CATALOG_H_

#include <string>
#include <variant>

#include "absl/strings/string_view.h"
#include "gateway/errors/openai_error.h"
#include "llm/v1/engine.pb.h"

namespace llm {

// The alias the README documents; any "gpt-" name maps the same way.
inline constexpr char kModelAlias[] = "gpt-3.5-turbo";

struct ModelChoice {
  std::string adapter;  // Empty for the base model.
};

std::variant<ModelChoice, OpenAiError> ResolveModel(const llm::v1::ModelInfoResponse& info,
                                                    absl::string_view model);

// GET /v1/models: the base model, its adapters and the alias, as OpenAI lists models.
std::string ModelListJson(const llm::v1::ModelInfoResponse& info, int64_t created);

// GET /v1/models/{id}: one model object, or the 404 for an unknown id.
std::variant<std::string, OpenAiError> ModelJson(const llm::v1::ModelInfoResponse& info,
                                                 absl::string_view id, int64_t created);

}  // namespace llm

#endif  // LLM_GATEWAY_OPENAI_MODEL_CATALOG_H_
