#include "engine/runtime/generation.h"

#include <random>

#include "absl/strings/str_cat.h"

namespace llm {
namespace {

constexpr uint32_t kMaxChoices = 128;  // OpenAI's limit on n.

absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, " ", problem));
}

}  // namespace

absl::StatusOr<Generation> ValidateGeneration(const llm::v1::GenerateRequest& request,
                                              const LoadedModel& model, int64_t context_window,
                                              int64_t default_chunk) {
  const ModelConfig& config = model.model->config();
  const Tokenizer& tokenizer = *model.tokenizer;
  const int32_t vocab = static_cast<int32_t>(config.vocab_size);
  Generation g;
  g.request_id = request.request_id();

  if (!request.adapter().empty()) {
    return absl::NotFoundError(
        absl::StrCat("adapter '", request.adapter(), "' is not served (no LORAS configured)"));
  }
  if (request.n() > kMaxChoices) {
    return Invalid("n", absl::StrCat("= ", request.n(), " is more than ", kMaxChoices));
  }
  g.n = request.n() == 0 ? 1 : static_cast<int>(request.n());

  switch (request.input_case()) {
    case llm::v1::GenerateRequest::kText: {
      const bool add_special =
          request.has_add_special_tokens() ? request.add_special_tokens() : true;
      g.prompt = tokenizer.Encode(request.text(), add_special, /*parse_special=*/true);
      break;
    }
    case llm::v1::GenerateRequest::kTokenIds:
      g.prompt.assign(request.token_ids().ids().begin(), request.token_ids().ids().end());
      for (size_t i = 0; i < g.prompt.size(); ++i) {
        if (g.prompt[i] < 0 || g.prompt[i] >= vocab) {
          return Invalid(absl::StrCat("token_ids[", i, "]"),
                         absl::StrCat("= ", g.prompt[i], " is outside the vocabulary"));
        }
      }
      break;
    default:
      return Invalid("input", "is missing (set text or token_ids)");
  }
  if (g.prompt.empty()) return Invalid("input", "is empty");

  const llm::v1::SamplingParams& s = request.sampling();
  g.sampling.temperature = s.has_temperature() ? s.temperature() : 1.0f;
  g.sampling.top_p = s.has_top_p() ? s.top_p() : 1.0f;
  g.sampling.top_k = static_cast<int32_t>(s.top_k());
  g.sampling.min_p = s.min_p();
  g.sampling.seed = s.has_seed() ? s.seed() : std::random_device{}();
  if (!(g.sampling.temperature >= 0.0f)) return Invalid("temperature", "must be >= 0");
  if (!(g.sampling.top_p > 0.0f && g.sampling.top_p <= 1.0f)) {
    return Invalid("top_p", "must be in (0, 1]");
  }
  if (!(g.sampling.min_p >= 0.0f && g.sampling.min_p <= 1.0f)) {
    return Invalid("min_p", "must be in [0, 1]");
  }
  g.penalties.repetition = s.has_repetition_penalty() ? s.repetition_penalty() : 1.0f;
  g.penalties.presence = s.presence_penalty();
  g.penalties.frequency = s.frequency_penalty();
  if (!(g.penalties.repetition > 0.0f)) return Invalid("repetition_penalty", "must be > 0");
  if (!(g.penalties.presence >= -2.0f && g.penalties.presence <= 2.0f)) {
    return Invalid("presence_penalty", "must be in [-2, 2]");
  }
  if (!(g.penalties.frequency >= -2.0f && g.penalties.frequency <= 2.0f)) {
    return Invalid("frequency_penalty", "must be in [-2, 2]");
  }
  for (const auto& [id, bias] : s.logit_bias()) {
    if (id < 0 || id >= vocab)
      return Invalid("logit_bias", absl::StrCat("token ", id, " is outside the vocabulary"));
    if (!(bias >= -100.0f && bias <= 100.0f))
      return Invalid("logit_bias", "values must be in [-100, 100]");
    g.logit_bias[id] = bias;
  }

  const llm::v1::StoppingCriteria& stop = request.stopping();
  const int64_t prompt_tokens = static_cast<int64_t>(g.prompt.size());
  const int64_t context = context_window;
  if (prompt_tokens >= context) {
    return Invalid("input", absl::StrCat("is too long: this model's maximum context length is ",
                                         context, " tokens, however you requested ", prompt_tokens,
                                         " tokens in your prompt"));
  }
  g.max_tokens = stop.has_max_tokens() ? stop.max_tokens() : context - prompt_tokens;
  if (stop.has_max_tokens() && stop.max_tokens() == 0) return Invalid("max_tokens", "must be >= 1");
  if (prompt_tokens + g.max_tokens > context) {
    return Invalid(
        "max_tokens",
        absl::StrCat("is too large: this model's maximum context length is ", context,
                     " tokens, however you requested ", prompt_tokens + g.max_tokens, " tokens (",
                     prompt_tokens, " in your prompt; ", g.max_tokens, " for the completion)"));
  }
  g.min_tokens = stop.min_tokens();
  if (stop.stop_size() > 16) return Invalid("stop", "holds more than 16 strings");
  for (const std::string& text : stop.stop()) {
    if (text.empty() || text.size() > 256) return Invalid("stop", "strings must be 1 to 256 bytes");
    g.stop.push_back(text);
  }
  for (int32_t id : stop.stop_token_ids()) {
    if (id < 0 || id >= vocab)
      return Invalid("stop_token_ids", absl::StrCat("token ", id, " is outside the vocabulary"));
    g.stop_token_ids.push_back(id);
  }
  g.ignore_eos = stop.ignore_eos();
  g.logprobs = request.logprobs();
  g.prompt_logprobs = request.echo() && request.logprobs();
  if (request.top_logprobs() > 20) return Invalid("top_logprobs", "must be 0 to 20");
  g.top_logprobs = static_cast<int>(request.top_logprobs());
  g.skip_special_tokens = request.has_skip_special_tokens() ? request.skip_special_tokens() : true;
  g.chunk_tokens =
      request.min_tokens_per_response() > 0 ? request.min_tokens_per_response() : default_chunk;
  return g;
}

}  // namespace llm
