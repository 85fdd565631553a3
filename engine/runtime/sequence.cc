#include "engine/runtime/sequence.h"

#include <algorithm>

#include "common/log.h"
#include "engine/sampling/logprobs.h"
#include "engine/tokenizer/unicode.h"

namespace llm {
namespace {

SamplingConfig ChoiceSampling(SamplingConfig config, int index) {
  config.seed += static_cast<uint64_t>(index);  // Choices of one seeded request differ.
  return config;
}

bool Contains(const std::vector<int32_t>& ids, int32_t id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// The entry for `id`: its text, and with `logprobs` its log-probability and alternatives.
llm::v1::TokenLogprob MakeLogprob(const Tokenizer& tokenizer, int32_t id,
                                  const TokenLogprobs* logprobs) {
  llm::v1::TokenLogprob entry;
  entry.set_token_id(id);
  entry.set_token(SanitizeUtf8(tokenizer.TokenBytes(id)));
  entry.set_token_bytes(tokenizer.TokenBytes(id));
  if (logprobs == nullptr) return entry;
  entry.set_logprob(logprobs->chosen);
  for (const auto& [top_id, value] : logprobs->top) {
    llm::v1::TopLogprob* top = entry.add_top_logprobs();
    top->set_token_id(top_id);
    top->set_token(SanitizeUtf8(tokenizer.TokenBytes(top_id)));
    top->set_token_bytes(tokenizer.TokenBytes(top_id));
    top->set_logprob(value);
  }
  return entry;
}

// A request's outcome is its choices' most severe reason.
int Severity(llm::v1::FinishReason reason) {
  switch (reason) {
    case llm::v1::FINISH_REASON_STOP:
      return 1;
    case llm::v1::FINISH_REASON_LENGTH:
      return 2;
    case llm::v1::FINISH_REASON_CANCELLED:
      return 3;
    case llm::v1::FINISH_REASON_ERROR:
      return 4;
    default:
      return 0;
  }
}

}  // namespace

void Request::Push(llm::v1::GenerateResponse response) {
  if (!sent_any && generation.prompt_logprobs) {
    for (llm::v1::TokenLogprob& entry : prompt_logprobs) {
      *response.mutable_prompt()->add_logprobs() = std::move(entry);
    }
    prompt_logprobs.clear();
  }
  sent_any = true;
  stream->Push(std::move(response));
}

Sequence::Sequence(std::shared_ptr<Request> request, uint64_t arrival)
    : Sequence(std::move(request), arrival, 0) {
  forks = this->request->generation.n - 1;
}

Sequence::Sequence(std::shared_ptr<Request> request, uint64_t arrival, int index)
    : request(std::move(request)),
      arrival(arrival),
      index(index),
      tokens(this->request->generation.prompt),
      sampler_(ChoiceSampling(this->request->generation.sampling, index)),
      text_(this->request->generation.stop),
      last_token_(this->request->arrived) {
  for (int32_t id : tokens) counts_.AddPrompt(id);
  output_.set_index(static_cast<uint32_t>(index));
}

std::unique_ptr<Sequence> Sequence::Fork(int index) const {
  std::unique_ptr<Sequence> child(new Sequence(request, arrival, index));
  child->position = position;
  child->block_table = block_table;
  child->published = published;
  return child;
}

bool Sequence::WantsPromptLogits() const {
  const Request& r = *request;
  return r.generation.prompt_logprobs && !r.sent_any &&
         r.prompt_logprobs.size() < r.generation.prompt.size();
}

void Sequence::AddPromptLogprobs(const float* logits, int64_t count, int64_t vocab,
                                 const Tokenizer& tokenizer) {
  const Generation& g = request->generation;
  std::vector<llm::v1::TokenLogprob>& out = request->prompt_logprobs;
  const auto prompt_size = static_cast<int64_t>(g.prompt.size());
  if (out.empty()) out.push_back(MakeLogprob(tokenizer, g.prompt[0], nullptr));  // No context.
  // Row j predicts the token at position + j + 1; a recomputed prefix adds nothing new.
  for (int64_t j = 0; j < count; ++j) {
    const int64_t next = position + j + 1;
    if (next >= prompt_size || next != static_cast<int64_t>(out.size())) continue;
    const TokenLogprobs logprobs = ComputeLogprobs(absl::MakeConstSpan(logits + j * vocab, vocab),
                                                   g.prompt[next], g.top_logprobs);
    out.push_back(MakeLogprob(tokenizer, g.prompt[next], &logprobs));
  }
}

Sequence::NextToken Sequence::Choose(absl::Span<float> logits,
                                     const std::vector<int32_t>& eos_ids) {
  const Generation& g = request->generation;
  ApplyLogitBias(g.logit_bias, logits);
  counts_.ApplyPenalties(g.penalties, logits);
  if (generated_ < g.min_tokens) {
    for (int32_t id : eos_ids) logits[id] = -INFINITY;
    for (int32_t id : g.stop_token_ids) logits[id] = -INFINITY;
  }
  NextToken next;
  std::vector<float> for_logprobs;
  // Before temperature and filters.
  if (g.logprobs) for_logprobs.assign(logits.begin(), logits.end());
  next.token = sampler_.Sample(logits);
  if (g.logprobs) next.logprobs = ComputeLogprobs(for_logprobs, next.token, g.top_logprobs);
  return next;
}

std::optional<llm::v1::FinishReason> Sequence::Accept(const NextToken& next,
                                                      const LoadedModel& model,
                                                      EngineMetrics& metrics) {
  const Generation& g = request->generation;
  const std::vector<int32_t>& eos_ids = model.model->config().eos_token_ids;
  const Tokenizer& tokenizer = *model.tokenizer;
  const int32_t token = next.token;
  counts_.AddGenerated(token);
  tokens.push_back(token);
  ++generated_;
  ++request->completion_tokens;
  metrics.generated_tokens.fetch_add(1, std::memory_order_relaxed);
  const absl::Time now = absl::Now();
  LatencyHistogram& latency =
      generated_ == 1 ? metrics.time_to_first_token : metrics.inter_token_latency;
  latency.Observe(absl::ToDoubleSeconds(now - last_token_));
  last_token_ = now;

  if (!g.ignore_eos && Contains(eos_ids, token)) return llm::v1::FINISH_REASON_STOP;
  if (Contains(g.stop_token_ids, token)) {
    output_.set_stop_token_id(token);
    return llm::v1::FINISH_REASON_STOP;
  }
  output_.add_token_ids(token);
  if (next.logprobs.has_value()) {
    *output_.add_logprobs() = MakeLogprob(tokenizer, token, &*next.logprobs);
  }
  const bool hidden = g.skip_special_tokens && tokenizer.IsSpecial(token);
  output_.mutable_text()->append(text_.Append(hidden ? "" : tokenizer.TokenBytes(token)));
  if (text_.matched_stop().has_value()) {
    output_.set_stop_string(*text_.matched_stop());
    return llm::v1::FINISH_REASON_STOP;
  }
  if (generated_ >= g.max_tokens) return llm::v1::FINISH_REASON_LENGTH;
  if (output_.token_ids_size() >= g.chunk_tokens) {
    llm::v1::GenerateResponse response;
    response.set_request_id(g.request_id);
    *response.add_choices() = std::move(output_);
    output_.Clear();
    output_.set_index(static_cast<uint32_t>(index));
    request->Push(std::move(response));
  }
  return std::nullopt;
}

void Sequence::Finish(llm::v1::FinishReason reason, EngineMetrics& metrics,
                      absl::string_view error) {
  finished_ = true;
  Request& r = *request;
  llm::v1::GenerateResponse response;
  response.set_request_id(r.generation.request_id);
  if (reason != llm::v1::FINISH_REASON_STOP || !text_.matched_stop().has_value()) {
    output_.mutable_text()->append(text_.Finish());
  }
  output_.set_finish_reason(reason);
  if (!error.empty()) output_.set_error(std::string(error));
  *response.add_choices() = std::move(output_);
  if (Severity(reason) > Severity(r.outcome)) r.outcome = reason;
  if (--r.open_choices > 0) {
    r.Push(std::move(response));
    return;
  }
  llm::v1::Usage* usage = response.mutable_usage();
  usage->set_prompt_tokens(static_cast<uint32_t>(r.generation.prompt.size()));
  usage->set_completion_tokens(static_cast<uint32_t>(r.completion_tokens));
  usage->set_cached_tokens(static_cast<uint32_t>(r.cached_tokens));
  // Counted before the caller can see the end of its stream.
  if (r.outcome == llm::v1::FINISH_REASON_STOP) metrics.finished_stop.fetch_add(1);
  if (r.outcome == llm::v1::FINISH_REASON_LENGTH) metrics.finished_length.fetch_add(1);
  if (r.outcome == llm::v1::FINISH_REASON_CANCELLED) metrics.cancelled.fetch_add(1);
  if (r.outcome == llm::v1::FINISH_REASON_ERROR) metrics.failed.fetch_add(1);
  r.Push(std::move(response));
  r.stream->Close();
  LLM_LOG(INFO) << "request " << r.generation.request_id << ": " << r.generation.prompt.size()
                << " tokens in (" << r.cached_tokens << " cached), " << r.completion_tokens
                << " out, " << llm::v1::FinishReason_Name(r.outcome) << ", "
                << absl::FormatDuration(absl::Now() - r.arrived);
}

}  // namespace llm
