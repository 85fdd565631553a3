#include "common/jinja/chat_context.h"

namespace llm::jinja {

Value ChatContext(const std::vector<ChatMessage>& messages, bool add_generation_prompt,
                  absl::string_view bos_token, absl::string_view eos_token) {
  std::vector<Value> list;
  for (const ChatMessage& message : messages) {
    Dict dict;
    dict.Set("role", message.role);
    dict.Set("content", message.content);
    if (message.name.has_value()) dict.Set("name", *message.name);
    list.push_back(Value::FromDict(std::move(dict)));
  }
  Dict context;
  context.Set("messages", Value::List(std::move(list)));
  context.Set("add_generation_prompt", add_generation_prompt);
  context.Set("tools", Value::None());
  context.Set("documents", Value::None());
  context.Set("bos_token", bos_token);
  context.Set("eos_token", eos_token);
  return Value::FromDict(std::move(context));
}

}  // namespace llm::jinja
