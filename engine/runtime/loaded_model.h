// The model an engine serves: weights, tokenizer and what ModelInfo reports about them,
// loaded from the files MODEL_PATH names (a .gguf file or an HF checkpoint directory).
// Immutable once loaded; shared by the service's threads.
#ifndef LLM_ENGINE_RUNTIME_LOADED_MODEL_H_
#define LLM_ENGINE_RUNTIME_LOADED_MODEL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/config/engine_config.h"
#include "engine/model/llama_model.h"
#include "engine/model/model_source.h"
#include "engine/tokenizer/tokenizer.h"

namespace llm {

struct LoadedModel {
  ModelSource source;
  std::unique_ptr<LlamaModel> model;  // The whole model, or rank 0's shard of it.
  // With TENSOR_PARALLEL = N > 1, the shards of ranks 1 .. N − 1.
  std::vector<std::unique_ptr<LlamaModel>> other_ranks;
  std::unique_ptr<Tokenizer> tokenizer;
  std::string chat_template;  // The model's own Jinja chat template; empty if none.

  // Every rank's model in rank order: {model} without tensor parallelism.
  std::vector<const LlamaModel*> Shards() const;
};

// `for_device`: the weights go to a device backend (LoadOptions::keep_stored_layout).
absl::StatusOr<std::unique_ptr<LoadedModel>> LoadModel(const ModelSource& source,
                                                       const EngineConfig& config,
                                                       bool for_device = false);

}  // namespace llm

#endif  // LLM_ENGINE_RUNTIME_LOADED_MODEL_H_
