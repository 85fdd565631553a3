// The decoder architectures LlamaModel runs, by name. Each architecture is one file
// under arch/ that registers its traits at start-up, so adding one touches no switch.
// Registration happens during static initialization; lookups are thread-safe after.
#ifndef LLM_ENGINE_MODEL_ARCHITECTURE_H_
#define LLM_ENGINE_MODEL_ARCHITECTURE_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "engine/model/model_config.h"

namespace llm {

// What distinguishes members of the Llama family, which share one forward pass.
struct ArchitectureTraits {
  std::string gguf_name;  // GGUF general.architecture and key prefix; empty: none.
  std::string hf_name;    // HF config.json architectures[0].
  RopeStyle gguf_rope_style = RopeStyle::kAdjacentPairs;  // How GGUF stores Q/K rows.
  bool qkv_bias = false;                                  // q/k/v projections carry biases.
};

// Adds an architecture; returns true so a file can register with a static initializer.
bool RegisterArchitecture(ArchitectureTraits traits);

// The architecture GGUF files name `gguf_name`, or nullptr.
const ArchitectureTraits* FindGgufArchitecture(absl::string_view gguf_name);

// The architecture HF config.json files name `hf_name`, or nullptr.
const ArchitectureTraits* FindHfArchitecture(absl::string_view hf_name);

// Every registered GGUF / HF name, sorted (for error messages).
std::vector<std::string> GgufArchitectureNames();
std::vector<std::string> HfArchitectureNames();

}  // namespace llm

#endif  // LLM_ENGINE_MODEL_ARCHITECTURE_H_
