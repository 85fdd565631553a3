// The engine's deployment settings, read from the environment variables the product
// documents (README "Configuration"). Parsing validates every value, so a typo stops
// the engine at start-up with a message naming the variable.
#ifndef LLM_ENGINE_CONFIG_ENGINE_CONFIG_H_
#define LLM_ENGINE_CONFIG_ENGINE_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/env.h"

namespace llm {

// One entry of LORAS: an adapter to load and the model name clients select it by.
struct LoraSpec {
  std::string source;  // HF repo id or directory.
  std::string name;
};

struct EngineConfig {
  std::string model_path;           // MODEL_PATH; the embedded default model when unset.
  bool use_int8 = false;            // USE_INT: quantize weights to INT8 at load.
  int stream_chunk_tokens = 3;      // TUNA_STREAM_CB_STEP: fewest tokens per stream chunk.
  std::string medusa;               // MEDUSA: Medusa heads (HF repo id or directory).
  std::vector<LoraSpec> loras;      // LORAS: "source:name|source2:name2".
  std::string chat_template_name;   // LEPTON_CHAT_TEMPLATE: a named template.
  std::string chat_template_jinja;  // LEPTON_CHAT_TEMPLATE_JINJA: a Jinja template.
  std::string hf_token;             // HUGGING_FACE_HUB_TOKEN; never logged.
  int tensor_parallel = 1;          // TENSOR_PARALLEL: ranks that each hold a model shard.
  std::string device = "auto";      // DEVICE: auto (a GPU when there is one), cpu or cuda.

  // One line for the start-up log; the token shows only as set or unset.
  std::string Describe() const;
};

// Where the set-up script puts the default model (SmolLM2-135M-Instruct, Q4_1 GGUF):
// ${XDG_CACHE_HOME:-$HOME/.cache}/llm-serving/models/SmolLM2-135M-Instruct.Q4_1.gguf.
std::string DefaultModelPath(const EnvLookup& env);

// Reads and validates every variable; the error names the variable and the problem.
absl::StatusOr<EngineConfig> EngineConfigFromEnv(const EnvLookup& env);

}  // namespace llm

#endif  // LLM_ENGINE_CONFIG_ENGINE_CONFIG_H_
