// Mistral: the Llama block with sliding-window attention (config.json sliding_window;
// v0.1 uses 4096, later versions none). GGUF files call Mistral models "llama", so it
// registers no GGUF name of its own.
#include "engine/model/architecture.h"

namespace llm {
namespace {

const bool kRegistered = RegisterArchitecture({
    .gguf_name = "",
    .hf_name = "MistralForCausalLM",
});

}  // namespace
}  // namespace llm
