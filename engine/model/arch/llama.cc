// Llama (and CodeLlama, Yi, SmolLM2, Mistral: GGUF files call them all "llama").
// llama.cpp's converter permutes Q/K rows back to Meta's interleaved order, so GGUF
// llama tensors rotate adjacent pairs (FORMATS.md §3.4).
#include "engine/model/architecture.h"

namespace llm {
namespace {

const bool kRegistered = RegisterArchitecture({
    .gguf_name = "llama",
    .hf_name = "LlamaForCausalLM",
    .gguf_rope_style = RopeStyle::kAdjacentPairs,
});

}  // namespace
}  // namespace llm
