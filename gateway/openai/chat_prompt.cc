#include "gateway/openai/chat_prompt.h"

#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/jinja/chat_context.h"
#include "common/jinja/template.h"
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

// The parsed template of `source`: the same source comes with every request, so the
// latest one is kept (a Template is immutable and may be shared between threads).
absl::StatusOr<jinja::Template> Parsed(const std::string& source) {
  struct Cache {
    absl::Mutex mu;
    std::string source ABSL_GUARDED_BY(mu);
    std::optional<jinja::Template> parsed ABSL_GUARDED_BY(mu);
  };
  static Cache* cache = new Cache;  // Outlives the server threads that use it.
  absl::MutexLock lock(&cache->mu);
  if (!cache->parsed.has_value() || cache->source != source) {
    absl::StatusOr<jinja::Template> parsed = jinja::Template::Parse(source);
    if (!parsed.ok()) return parsed.status();
    cache->source = source;
    cache->parsed = *std::move(parsed);
  }
  return *cache->parsed;
}

}  // namespace

absl::StatusOr<std::string> RenderChatPrompt(const llm::v1::ModelInfoResponse& info,
                                             const std::vector<ApiMessage>& messages) {
  const Choice choice = ChooseTemplate(info);
  absl::StatusOr<jinja::Template> parsed = Parsed(choice.source);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(choice.origin, " chat template does not parse: ", parsed.status().message()));
  }
  std::vector<jinja::ChatMessage> turns;
  for (const ApiMessage& message : messages) {
    turns.push_back({message.role, message.content, message.name});
  }
  // As transformers passes them: the tokenizer's special tokens (empty if none).
  const jinja::Value context = jinja::ChatContext(
      turns, /*add_generation_prompt=*/true, info.has_bos_token() ? info.bos_token().text() : "",
      info.eos_tokens_size() > 0 ? info.eos_tokens(0).text() : "");
  return parsed->Render(context);
}

}  // namespace llm
