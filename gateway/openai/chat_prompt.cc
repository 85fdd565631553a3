#include "gateway/openai/chat_prompt.h"

#include "absl/strings/str_cat.h"
#include "common/jinja/template.h"
#include "common/jinja/value.h"
#include "gateway/chat_templates/named_templates.h"

namespace llm {
namespace {

struct Choice {
  std::string source;
  std::string origin;  // For errors: which setting the template came from.
};

Choice ChooseTemplate(const llm::v1::ModelInfoResponse& info) {
  const llm::v1::ChatTemplates& templates = info.chat_templates();
  if (!templates.forced_jinja().empty()) {
    return {templates.forced_jinja(), "LEPTON_CHAT_TEMPLATE_JINJA"};
  }
  if (!templates.forced_name().empty()) {
    if (std::optional<absl::string_view> named = NamedChatTemplate(templates.forced_name())) {
      return {std::string(*named), absl::StrCat("named template ", templates.forced_name())};
    }
  }
  if (!templates.model_template().empty()) return {templates.model_template(), "the model's"};
  absl::string_view name = ChatTemplateNameForModel(info.source());
  if (name == "openchat") name = ChatTemplateNameForModel(info.served_name());
  return {std::string(*NamedChatTemplate(name)), absl::StrCat("named template ", name)};
}

jinja::Value Messages(const std::vector<ApiMessage>& messages) {
  std::vector<jinja::Value> list;
  for (const ApiMessage& message : messages) {
    jinja::Dict dict;
    dict.Set("role", message.role);
    dict.Set("content", message.content);
    if (message.name.has_value()) dict.Set("name", *message.name);
    list.push_back(jinja::Value::FromDict(std::move(dict)));
  }
  return jinja::Value::List(std::move(list));
}

}  // namespace

absl::StatusOr<std::string> RenderChatPrompt(const llm::v1::ModelInfoResponse& info,
                                             const std::vector<ApiMessage>& messages) {
  const Choice choice = ChooseTemplate(info);
  absl::StatusOr<jinja::Template> parsed = jinja::Template::Parse(choice.source);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(choice.origin, " chat template does not parse: ", parsed.status().message()));
  }
  jinja::Dict context;
  context.Set("messages", Messages(messages));
  context.Set("add_generation_prompt", true);
  context.Set("tools", jinja::Value::None());
  context.Set("documents", jinja::Value::None());
  // As transformers passes them: the tokenizer's special tokens (empty if none).
  context.Set("bos_token", info.has_bos_token() ? info.bos_token().text() : "");
  context.Set("eos_token", info.eos_tokens_size() > 0 ? info.eos_tokens(0).text() : "");
  return parsed->Render(jinja::Value::FromDict(std::move(context)));
}

}  // namespace llm
