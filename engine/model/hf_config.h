// The ModelConfig of a Hugging Face checkpoint directory: config.json (architecture and
// hyperparameters, with transformers' defaults for absent keys) and, when present,
// generation_config.json (every end-of-sequence id it lists). Errors name the file and
// the key.
#ifndef LLM_ENGINE_MODEL_HF_CONFIG_H_
#define LLM_ENGINE_MODEL_HF_CONFIG_H_

#include <string>

#include "absl/status/statusor.h"
#include "engine/model/model_config.h"

namespace llm {

absl::StatusOr<ModelConfig> ModelConfigFromHfDirectory(const std::string& dir);

}  // namespace llm

#endif  // LLM_ENGINE_MODEL_HF_CONFIG_H_
