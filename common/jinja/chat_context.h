// The variables transformers' apply_chat_template gives a chat template, so the gateway
// and the CLI render conversations the same way: messages, add_generation_prompt, tools
// and documents (none), bos_token and eos_token.
#ifndef LLM_COMMON_JINJA_CHAT_CONTEXT_H_
#define LLM_COMMON_JINJA_CHAT_CONTEXT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/jinja/value.h"

namespace llm::jinja {

struct ChatMessage {
  std::string role;
  std::string content;
  std::optional<std::string> name;
};

Value ChatContext(const std::vector<ChatMessage>& messages, bool add_generation_prompt,
                  absl::string_view bos_token, absl::string_view eos_token);

}  // namespace llm::jinja

#endif  // LLM_COMMON_JINJA_CHAT_CONTEXT_H_
