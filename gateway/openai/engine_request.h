// The llm.v1 GenerateRequest for one prompt of an OpenAI request.
#ifndef LLM_GATEWAY_OPENAI_ENGINE_REQUEST_H_
#define LLM_GATEWAY_OPENAI_ENGINE_REQUEST_H_

#include <string>

#include "gateway/openai/api_request.h"
#include "llm/v1/engine.pb.h"

namespace llm {

// `prompt` is the completion prompt, or for chat the conversation rendered by the chat
// template (its special tokens are already in the text). `adapter` is empty for the base
// model. OpenAI's defaults apply: temperature 1, and for completions max_tokens 16 (chat
// runs to the end of the context window).
llm::v1::GenerateRequest ToGenerateRequest(const ApiRequest& request, const ApiPrompt& prompt,
                                           const std::string& request_id,
                                           const std::string& adapter);

}  // namespace llm

#endif  // LLM_GATEWAY_OPENAI_ENGINE_REQUEST_H_
