// Renders a chat conversation into the prompt text the model was trained on, with the
// template chosen in the order the product documents: LEPTON_CHAT_TEMPLATE_JINJA, then
// LEPTON_CHAT_TEMPLATE (a named template), then the model's own template, then a named
// template picked from the model's name, then openchat. Rendering follows
// transformers' apply_chat_template: messages, add_generation_prompt = true, and the
// model's bos_token / eos_token.
#ifndef LLM_GATEWAY_OPENAI_CHAT_PROMPT_H_
#define LLM_GATEWAY_OPENAI_CHAT_PROMPT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/openai/api_request.h"
#include "llm/v1/engine.pb.h"

namespace llm {

absl::StatusOr<std::string> RenderChatPrompt(const llm::v1::ModelInfoResponse& info,
                                             const std::vector<ApiMessage>& messages);

}  // namespace llm

#endif  // LLM_GATEWAY_OPENAI_CHAT_PROMPT_H_
