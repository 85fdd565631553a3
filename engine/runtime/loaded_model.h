// The model an engine serves: weights, tokenizer and what ModelInfo reports about them,
// loaded from the files MODEL_PATH names (a .gguf file or an HF checkpoint directory).
// Immutable once loaded; shared by the service's threads.
#ifndef LLM_ENGINE_RUNTIME_LOADED_MODEL_H_
#define LLM_ENGINE_RUNTIME_LOADED_MODEL_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "engine/config/engine_config.h"
#include "engine/model/llama_model.h"
#include "engine/model/model_source.h"
#include "engine/tokenizer/tokenizer.h"

namespace llm {

struct LoadedModel {
  ModelSource source;
  std::unique_ptr<LlamaModel> model;
  std::unique_ptr<Tokenizer> tokenizer;
  std::string chat_template;  // The model's own Jinja chat template; empty if none.
};

absl::StatusOr<std::unique_ptr<LoadedModel>> LoadModel(const ModelSource& source,
                                                       const EngineConfig& config);

}  // namespace llm

#endif  // LLM_ENGINE_RUNTIME_LOADED_MODEL_H_
