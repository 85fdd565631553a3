// The named chat templates of LEPTON_CHAT_TEMPLATE (common/chat_template_names.h), as
// Jinja sources compiled into the binary (from named/*.jinja), and the pick of one by
// model name when neither the deployment nor the model gives a template.
#ifndef LLM_GATEWAY_CHAT_TEMPLATES_NAMED_TEMPLATES_H_
#define LLM_GATEWAY_CHAT_TEMPLATES_NAMED_TEMPLATES_H_

#include <optional>

#include "absl/strings/string_view.h"

namespace llm {

// The Jinja source of the named template; nullopt for an unknown name.
std::optional<absl::string_view> NamedChatTemplate(absl::string_view name);

// The named template a model called `model_name` (served name or HF id) most likely
// uses, judged by the family in its name; "openchat" when none matches.
absl::string_view ChatTemplateNameForModel(absl::string_view model_name);

}  // namespace llm

#endif  // LLM_GATEWAY_CHAT_TEMPLATES_NAMED_TEMPLATES_H_
