// Finds the model files MODEL_PATH names, before anything is loaded: a .gguf file, a
// directory in Hugging Face layout, or an HF repo id already in the local HF cache.
// The engine never downloads: deployments fetch weights ahead (or mount them), and the
// error for a missing model says how.
#ifndef LLM_ENGINE_MODEL_MODEL_SOURCE_H_
#define LLM_ENGINE_MODEL_MODEL_SOURCE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/env.h"

namespace llm {

enum class ModelFormat {
  kGguf,         // One .gguf file: weights, tokenizer and chat template.
  kHfDirectory,  // config.json, tokenizer files and *.safetensors in one directory.
};

struct ModelSource {
  ModelFormat format = ModelFormat::kGguf;
  std::string path;         // The file or directory to load.
  std::string given;        // MODEL_PATH as configured.
  std::string served_name;  // The model's name in API calls.
};

// Resolves `model_path`. An HF repo id ("owner/name") is looked up in the HF cache
// (HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub), in the snapshot
// that refs/main names. Errors are NOT_FOUND or INVALID_ARGUMENT and quote the input.
absl::StatusOr<ModelSource> ResolveModelSource(absl::string_view model_path, const EnvLookup& env);

}  // namespace llm

#endif  // LLM_ENGINE_MODEL_MODEL_SOURCE_H_
