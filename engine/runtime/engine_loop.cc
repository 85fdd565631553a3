#include "engine/runtime/engine_loop.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "engine/sampling/logprobs.h"
#include "engine/sampling/text_stream.h"
#include "engine/tokenizer/unicode.h"

namespace llm {

struct EngineLoop::Sequence {
  Sequence(Generation g, const ModelConfig& config)
      : generation(std::move(g)),
        stream(std::make_shared<ResponseStream>()),
        cache(config, std::min<int64_t>(config.context_length,
                                        static_cast<int64_t>(generation.prompt.size()) + 16)),
        sampler(generation.sampling),
        text(generation.stop),
        next_input(generation.prompt) {
    for (int32_t id : generation.prompt) counts.AddPrompt(id);
  }

  Generation generation;
  std::shared_ptr<ResponseStream> stream;
  SequenceKvCache cache;
  Sampler sampler;
  TokenCounts counts;
  TextStream text;
  std::vector<int32_t> next_input;  // The prompt first, then the last sampled token.
  int64_t position = 0;             // Tokens already in the cache.
  int64_t generated = 0;
  llm::v1::ChoiceDelta pending;  // Output not sent yet.
  absl::Time admitted = absl::Now();
  absl::Time last_token;  // When the previous token was sampled.
};

EngineLoop::EngineLoop(const LoadedModel& model, int threads, const SchedulerLimits& limits)
    : model_(model),
      limits_{std::max(1, limits.max_running), std::max(0, limits.max_queued),
              std::max<int64_t>(1, limits.step_tokens)},
      pool_(threads) {
  thread_ = std::thread([this] { Run(); });
}

EngineLoop::~EngineLoop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

absl::StatusOr<std::shared_ptr<ResponseStream>> EngineLoop::Submit(Generation generation) {
  auto seq = std::make_unique<Sequence>(std::move(generation), model_.model->config());
  std::shared_ptr<ResponseStream> stream = seq->stream;
  absl::MutexLock lock(&mu_);
  // Requests that will start at the next step do not count as queued.
  const int free_slots = std::max(0, limits_.max_running - running_count_);
  if (static_cast<int>(waiting_.size()) >= free_slots + limits_.max_queued) {
    metrics_.rejected.fetch_add(1);
    return absl::ResourceExhaustedError(absl::StrCat(
        "the engine is full: ", running_count_, " sequences running and ", waiting_.size(),
        " requests queued (limits ", limits_.max_running, " and ", limits_.max_queued, ")"));
  }
  waiting_.push_back(std::move(seq));
  metrics_.queued.store(static_cast<int64_t>(waiting_.size()));
  return stream;
}

int EngineLoop::running() const {
  absl::MutexLock lock(&mu_);
  return running_count_;
}

int EngineLoop::queued() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(waiting_.size());
}

void EngineLoop::Run() {
  std::vector<std::unique_ptr<Sequence>> running;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      auto has_work = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return stopping_ || !waiting_.empty() || !running.empty();
      };
      mu_.Await(absl::Condition(&has_work));
      if (stopping_) break;
      // A request whose caller left while it waited never starts.
      std::erase_if(waiting_, [this](const auto& seq) { return EndIfCancelled(*seq); });
      while (!waiting_.empty() && static_cast<int>(running.size()) < limits_.max_running) {
        metrics_.prompt_tokens.fetch_add(
            static_cast<int64_t>(waiting_.front()->generation.prompt.size()));
        running.push_back(std::move(waiting_.front()));
        waiting_.pop_front();
      }
      metrics_.queued.store(static_cast<int64_t>(waiting_.size()));
    }
    Step(running);
    absl::MutexLock lock(&mu_);
    running_count_ = static_cast<int>(running.size());
    metrics_.running.store(running_count_);
  }
  // Shutting down: whatever still runs or waits ends as cancelled.
  absl::MutexLock lock(&mu_);
  for (auto& seq : running) Finish(*seq, llm::v1::FINISH_REASON_CANCELLED);
  for (auto& seq : waiting_) Finish(*seq, llm::v1::FINISH_REASON_CANCELLED);
}

void EngineLoop::Step(std::vector<std::unique_ptr<Sequence>>& running) {
  // A cancelled call's sequence and memory go before the step.
  std::erase_if(running, [this](const auto& seq) { return EndIfCancelled(*seq); });
  if (running.empty()) return;

  std::vector<int64_t> pending;
  for (const auto& seq : running) pending.push_back(static_cast<int64_t>(seq->next_input.size()));
  const std::vector<int64_t> take = PlanStep(pending, limits_.step_tokens);
  std::vector<SequenceStep> steps;
  for (size_t i = 0; i < running.size(); ++i) {
    Sequence& seq = *running[i];
    const int64_t needed = seq.position + take[i];
    if (needed > seq.cache.capacity()) {
      seq.cache.Grow(std::min<int64_t>(model_.model->config().context_length,
                                       std::max(needed, 2 * seq.cache.capacity())));
    }
    steps.push_back({std::vector<int32_t>(seq.next_input.begin(), seq.next_input.begin() + take[i]),
                     seq.position, &seq.cache});
  }
  const int64_t vocab = model_.model->config().vocab_size;
  std::vector<float> logits(steps.size() * vocab);
  model_.model->Forward(steps, logits.data(), pool_);

  std::vector<std::unique_ptr<Sequence>> still_running;
  for (size_t i = 0; i < running.size(); ++i) {
    Sequence& seq = *running[i];
    seq.position += take[i];
    seq.next_input.erase(seq.next_input.begin(), seq.next_input.begin() + take[i]);
    if (!seq.next_input.empty()) {  // Prefilling: the rest of the prompt comes next step.
      still_running.push_back(std::move(running[i]));
      continue;
    }
    std::vector<float> row(logits.begin() + i * vocab, logits.begin() + (i + 1) * vocab);
    if (Advance(seq, row)) still_running.push_back(std::move(running[i]));
  }
  running = std::move(still_running);
}

bool EngineLoop::Advance(Sequence& seq, std::vector<float>& logits) {
  const Generation& g = seq.generation;
  const ModelConfig& config = model_.model->config();
  const Tokenizer& tokenizer = *model_.tokenizer;
  ApplyLogitBias(g.logit_bias, logits);
  seq.counts.ApplyPenalties(g.penalties, logits);
  const bool eos_allowed = seq.generated >= g.min_tokens;
  auto is_eos = [&](int32_t id) {
    return std::find(config.eos_token_ids.begin(), config.eos_token_ids.end(), id) !=
           config.eos_token_ids.end();
  };
  auto is_stop_id = [&](int32_t id) {
    return std::find(g.stop_token_ids.begin(), g.stop_token_ids.end(), id) !=
           g.stop_token_ids.end();
  };
  if (!eos_allowed) {
    for (int32_t id : config.eos_token_ids) logits[id] = -INFINITY;
    for (int32_t id : g.stop_token_ids) logits[id] = -INFINITY;
  }
  std::optional<TokenLogprobs> logprobs;
  std::vector<float> for_logprobs;
  if (g.logprobs) for_logprobs = logits;  // Before temperature and filters.
  const int32_t token = seq.sampler.Sample(logits);
  if (g.logprobs) logprobs = ComputeLogprobs(for_logprobs, token, g.top_logprobs);
  seq.counts.AddGenerated(token);
  ++seq.generated;
  metrics_.generated_tokens.fetch_add(1, std::memory_order_relaxed);
  const absl::Time now = absl::Now();
  if (seq.generated == 1) {
    metrics_.time_to_first_token.Observe(absl::ToDoubleSeconds(now - seq.admitted));
  } else {
    metrics_.inter_token_latency.Observe(absl::ToDoubleSeconds(now - seq.last_token));
  }
  seq.last_token = now;
  seq.next_input = {token};

  if (!g.ignore_eos && is_eos(token)) {
    Finish(seq, llm::v1::FINISH_REASON_STOP);
    return false;
  }
  if (is_stop_id(token)) {
    seq.pending.set_stop_token_id(token);
    Finish(seq, llm::v1::FINISH_REASON_STOP);
    return false;
  }
  seq.pending.add_token_ids(token);
  if (logprobs.has_value()) {
    llm::v1::TokenLogprob* entry = seq.pending.add_logprobs();
    entry->set_token_id(token);
    entry->set_token(SanitizeUtf8(tokenizer.TokenBytes(token)));
    entry->set_token_bytes(tokenizer.TokenBytes(token));
    entry->set_logprob(logprobs->chosen);
    for (const auto& [id, value] : logprobs->top) {
      llm::v1::TopLogprob* top = entry->add_top_logprobs();
      top->set_token_id(id);
      top->set_token(SanitizeUtf8(tokenizer.TokenBytes(id)));
      top->set_token_bytes(tokenizer.TokenBytes(id));
      top->set_logprob(value);
    }
  }
  const bool hidden = g.skip_special_tokens && tokenizer.IsSpecial(token);
  seq.pending.mutable_text()->append(seq.text.Append(hidden ? "" : tokenizer.TokenBytes(token)));
  if (seq.text.matched_stop().has_value()) {
    seq.pending.set_stop_string(*seq.text.matched_stop());
    Finish(seq, llm::v1::FINISH_REASON_STOP);
    return false;
  }
  if (seq.generated >= g.max_tokens) {
    Finish(seq, llm::v1::FINISH_REASON_LENGTH);
    return false;
  }
  if (seq.pending.token_ids_size() >= g.chunk_tokens) {
    llm::v1::GenerateResponse response;
    response.set_request_id(g.request_id);
    *response.add_choices() = std::move(seq.pending);
    seq.pending.Clear();
    seq.stream->Push(std::move(response));
  }
  return true;
}

bool EngineLoop::EndIfCancelled(Sequence& seq) {
  if (!seq.stream->cancelled()) return false;
  Finish(seq, llm::v1::FINISH_REASON_CANCELLED);
  return true;
}

void EngineLoop::Finish(Sequence& seq, llm::v1::FinishReason reason) {
  llm::v1::GenerateResponse response;
  response.set_request_id(seq.generation.request_id);
  if (reason != llm::v1::FINISH_REASON_STOP || !seq.text.matched_stop().has_value()) {
    seq.pending.mutable_text()->append(seq.text.Finish());
  }
  seq.pending.set_finish_reason(reason);
  *response.add_choices() = std::move(seq.pending);
  llm::v1::Usage* usage = response.mutable_usage();
  usage->set_prompt_tokens(static_cast<uint32_t>(seq.generation.prompt.size()));
  usage->set_completion_tokens(static_cast<uint32_t>(seq.generated));
  // Counted before the caller can see the end of its stream.
  if (reason == llm::v1::FINISH_REASON_STOP) metrics_.finished_stop.fetch_add(1);
  if (reason == llm::v1::FINISH_REASON_LENGTH) metrics_.finished_length.fetch_add(1);
  if (reason == llm::v1::FINISH_REASON_CANCELLED) metrics_.cancelled.fetch_add(1);
  seq.stream->Push(std::move(response));
  seq.stream->Close();
  LLM_LOG(INFO) << "request " << seq.generation.request_id << ": " << seq.generation.prompt.size()
                << " tokens in, " << seq.generated << " out, " << llm::v1::FinishReason_Name(reason)
                << ", " << absl::FormatDuration(absl::Now() - seq.admitted);
}

}  // namespace llm
