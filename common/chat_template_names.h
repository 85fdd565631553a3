// The named chat templates the product promises (LEPTON_CHAT_TEMPLATE). The engine
// validates the setting against this list at start-up; the gateway renders them.
#ifndef LLM_COMMON_CHAT_TEMPLATE_NAMES_H_
#define LLM_COMMON_CHAT_TEMPLATE_NAMES_H_

#include <array>

#include "absl/strings/string_view.h"

namespace llm {

inline constexpr std::array<absl::string_view, 14> kChatTemplateNames = {
    "baichuan", "chatglm2",  "chatglm-chatml", "dbrx", "falcon", "gemma",  "llama-2",
    "llama-3",  "codellama", "mistral",        "qwen", "vicuna", "zephyr", "openchat",
};

}  // namespace llm

#endif  // LLM_COMMON_CHAT_TEMPLATE_NAMES_H_
