// Qwen2 (and Qwen1.5): the Llama block with biases on the q/k/v projections. GGUF
// qwen2 tensors keep HF's half-split rotary layout (llama.cpp's NEOX mode).
#include "engine/model/architecture.h"

namespace llm {
namespace {

const bool kRegistered = RegisterArchitecture({
    .gguf_name = "qwen2",
    .hf_name = "Qwen2ForCausalLM",
    .gguf_rope_style = RopeStyle::kHalfSplit,
    .qkv_bias = true,
});

}  // namespace
}  // namespace llm
