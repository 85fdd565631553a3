#include "gateway/chat_templates/named_templates.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace llm {

// From named_template_sources.cc, generated from named/*.jinja.
struct NamedTemplateSource {
  absl::string_view name;
  absl::string_view source;
};
extern const NamedTemplateSource kNamedTemplateSources[];
extern const int kNamedTemplateCount;

std::optional<absl::string_view> NamedChatTemplate(absl::string_view name) {
  if (name == "codellama") name = "llama-2";  // CodeLlama Instruct uses Llama 2's format.
  for (int i = 0; i < kNamedTemplateCount; ++i) {
    if (kNamedTemplateSources[i].name == name) return kNamedTemplateSources[i].source;
  }
  return std::nullopt;
}

absl::string_view ChatTemplateNameForModel(absl::string_view model_name) {
  const std::string name = absl::AsciiStrToLower(model_name);
  // More specific families first (codellama before llama, chatglm2 before chatglm).
  static constexpr std::pair<absl::string_view, absl::string_view> kFamilies[] = {
      {"codellama", "codellama"},
      {"code-llama", "codellama"},
      {"llama-3", "llama-3"},
      {"llama3", "llama-3"},
      {"llama-2", "llama-2"},
      {"llama2", "llama-2"},
      {"mistral", "mistral"},
      {"mixtral", "mistral"},
      {"qwen", "qwen"},
      {"vicuna", "vicuna"},
      {"zephyr", "zephyr"},
      {"gemma", "gemma"},
      {"falcon", "falcon"},
      {"dbrx", "dbrx"},
      {"baichuan", "baichuan"},
      {"chatglm2", "chatglm2"},
      {"chatglm", "chatglm-chatml"},
      {"openchat", "openchat"},
  };
  for (const auto& [family, template_name] : kFamilies) {
    if (absl::StrContains(name, family)) return template_name;
  }
  return "openchat";
}

}  // namespace llm
