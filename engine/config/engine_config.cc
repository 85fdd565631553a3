#include "engine/config/engine_config.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/chat_template_names.h"
#include "common/status_macros.h"

namespace llm {
namespace {

std::string EnvString(const EnvLookup& env, absl::string_view name) {
  return std::string(absl::StripAsciiWhitespace(env(name).value_or("")));
}

bool IsAdapterNameChar(char c) {
  return absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.';
}

absl::StatusOr<std::vector<LoraSpec>> ParseLoras(absl::string_view text) {
  std::vector<LoraSpec> loras;
  if (text.empty()) return loras;
  std::set<std::string> names;
  for (absl::string_view entry : absl::StrSplit(text, '|')) {
    entry = absl::StripAsciiWhitespace(entry);
    const size_t colon = entry.rfind(':');
    if (colon == absl::string_view::npos || colon == 0 || colon + 1 == entry.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("LORAS entry '", entry, "': expected SOURCE:NAME (entries separated by |)"));
    }
    LoraSpec spec{std::string(entry.substr(0, colon)), std::string(entry.substr(colon + 1))};
    if (!std::all_of(spec.name.begin(), spec.name.end(), IsAdapterNameChar)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "LORAS entry '", entry, "': adapter name may hold only letters, digits, '-', '_', '.'"));
    }
    if (!names.insert(spec.name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("LORAS: adapter name '", spec.name, "' appears twice"));
    }
    loras.push_back(std::move(spec));
  }
  return loras;
}

}  // namespace

std::string DefaultModelPath(const EnvLookup& env) {
  std::string cache = env("XDG_CACHE_HOME").value_or("");
  if (cache.empty()) cache = absl::StrCat(env("HOME").value_or(""), "/.cache");
  return absl::StrCat(cache, "/llm-serving/models/SmolLM2-135M-Instruct.Q4_1.gguf");
}

absl::StatusOr<EngineConfig> EngineConfigFromEnv(const EnvLookup& env) {
  EngineConfig config;
  config.model_path = EnvString(env, "MODEL_PATH");
  if (config.model_path.empty()) config.model_path = DefaultModelPath(env);
  ASSIGN_OR_RETURN(config.use_int8, EnvBool(env, "USE_INT", false));
  ASSIGN_OR_RETURN(config.stream_chunk_tokens, EnvInt(env, "TUNA_STREAM_CB_STEP", 3, 1, 4096));
  config.medusa = EnvString(env, "MEDUSA");
  ASSIGN_OR_RETURN(config.loras, ParseLoras(EnvString(env, "LORAS")));

  config.chat_template_name = absl::AsciiStrToLower(EnvString(env, "LEPTON_CHAT_TEMPLATE"));
  if (!config.chat_template_name.empty() &&
      std::find(kChatTemplateNames.begin(), kChatTemplateNames.end(), config.chat_template_name) ==
          kChatTemplateNames.end()) {
    return absl::InvalidArgumentError(absl::StrCat("LEPTON_CHAT_TEMPLATE='",
                                                   config.chat_template_name, "': expected one of ",
                                                   absl::StrJoin(kChatTemplateNames, ", ")));
  }
  // The Jinja source is used verbatim: whitespace is significant in templates.
  config.chat_template_jinja = env("LEPTON_CHAT_TEMPLATE_JINJA").value_or("");
  config.hf_token = EnvString(env, "HUGGING_FACE_HUB_TOKEN");
  ASSIGN_OR_RETURN(config.tensor_parallel, EnvInt(env, "TENSOR_PARALLEL", 1, 1, 64));
  config.device = absl::AsciiStrToLower(EnvString(env, "DEVICE"));
  if (config.device.empty()) config.device = "auto";
  if (config.device != "auto" && config.device != "cpu" && config.device != "cuda") {
    return absl::InvalidArgumentError(
        absl::StrCat("DEVICE='", config.device, "': expected auto, cpu or cuda"));
  }
  return config;
}

std::string EngineConfig::Describe() const {
  std::vector<std::string> loras_text;
  for (const LoraSpec& lora : loras)
    loras_text.push_back(absl::StrCat(lora.source, ":", lora.name));
  return absl::StrCat(
      "MODEL_PATH=", model_path, " USE_INT=", use_int8 ? "true" : "false",
      " TUNA_STREAM_CB_STEP=", stream_chunk_tokens, " MEDUSA=", medusa.empty() ? "(unset)" : medusa,
      " LORAS=", loras.empty() ? "(unset)" : absl::StrJoin(loras_text, "|"),
      " LEPTON_CHAT_TEMPLATE=", chat_template_name.empty() ? "(unset)" : chat_template_name,
      " LEPTON_CHAT_TEMPLATE_JINJA=",
      chat_template_jinja.empty() ? "(unset)"
                                  : absl::StrCat("(", chat_template_jinja.size(), " bytes)"),
      " HUGGING_FACE_HUB_TOKEN=", hf_token.empty() ? "(unset)" : "(set)",
      " TENSOR_PARALLEL=", tensor_parallel, " DEVICE=", device);
}

}  // namespace llm
