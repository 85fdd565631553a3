#include "gateway/openai/engine_request.h"

namespace llm {
namespace {

// OpenAI's default for the legacy completions endpoint.
constexpr uint32_t kDefaultCompletionTokens = 16;

}  // namespace

llm::v1::GenerateRequest ToGenerateRequest(const ApiRequest& request, const ApiPrompt& prompt,
                                           const std::string& request_id,
                                           const std::string& adapter) {
  llm::v1::GenerateRequest out;
  out.set_request_id(request_id);
  if (prompt.is_token_ids) {
    out.mutable_token_ids()->mutable_ids()->Assign(prompt.token_ids.begin(),
                                                   prompt.token_ids.end());
  } else {
    out.set_text(prompt.text);
    // A rendered chat template holds its own BOS; a completion prompt gets the model's.
    out.set_add_special_tokens(request.kind == ApiKind::kCompletion);
  }
  out.set_adapter(adapter);
  out.set_n(static_cast<uint32_t>(request.n));
  out.set_logprobs(request.logprobs);
  out.set_top_logprobs(static_cast<uint32_t>(request.top_logprobs));
  out.set_echo(request.echo);
  if (request.skip_special_tokens.has_value()) {
    out.set_skip_special_tokens(*request.skip_special_tokens);
  }

  llm::v1::SamplingParams* s = out.mutable_sampling();
  s->set_temperature(request.temperature.value_or(1.0f));
  if (request.top_p.has_value()) s->set_top_p(*request.top_p);
  s->set_top_k(static_cast<uint32_t>(request.top_k));
  s->set_min_p(request.min_p);
  if (request.repetition_penalty.has_value())
    s->set_repetition_penalty(*request.repetition_penalty);
  s->set_presence_penalty(request.presence_penalty);
  s->set_frequency_penalty(request.frequency_penalty);
  for (const auto& [id, bias] : request.logit_bias) (*s->mutable_logit_bias())[id] = bias;
  if (request.seed.has_value()) s->set_seed(*request.seed);

  llm::v1::StoppingCriteria* stop = out.mutable_stopping();
  if (request.max_tokens.has_value()) {
    stop->set_max_tokens(static_cast<uint32_t>(*request.max_tokens));
  } else if (request.kind == ApiKind::kCompletion) {
    stop->set_max_tokens(kDefaultCompletionTokens);
  }
  if (request.min_tokens.has_value())
    stop->set_min_tokens(static_cast<uint32_t>(*request.min_tokens));
  for (const std::string& text : request.stop) stop->add_stop(text);
  for (int32_t id : request.stop_token_ids) stop->add_stop_token_ids(id);
  stop->set_ignore_eos(request.ignore_eos);
  return out;
}

}  // namespace llm
