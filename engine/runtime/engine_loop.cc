#include "engine/runtime/engine_loop.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "engine/kv_cache/kv_blocks.h"

namespace llm {
EngineLoop::EngineLoop(const LoadedModel& model, std::unique_ptr<Backend> backend,
                       const SchedulerLimits& limits, int sampling_threads)
    : model_(model),
      limits_{std::max(1, limits.max_running), std::max(0, limits.max_queued),
              std::max<int64_t>(1, limits.step_tokens), limits.kv_cache_bytes,
              std::max<int64_t>(1, limits.kv_block_tokens)},
      backend_(std::move(backend)),
      blocks_(backend_->kv_blocks(), limits_.kv_block_tokens),
      context_window_(std::min<int64_t>(model.model->config().context_length,
                                        int64_t{backend_->kv_blocks()} * limits_.kv_block_tokens)) {
  const int32_t count = backend_->kv_blocks();
  const int64_t block_bytes = KvBlocks::BlockBytes(model.model->config(), limits_.kv_block_tokens);
  LLM_LOG(INFO) << "KV cache: " << count << " blocks of " << limits_.kv_block_tokens << " tokens ("
                << count * block_bytes / (1 << 20) << " MiB)";
  if (context_window_ < model.model->config().context_length) {
    LLM_LOG(WARNING) << "the KV cache holds " << context_window_ << " tokens, less than the "
                     << model.model->config().context_length
                     << "-token context of the model: requests are limited to " << context_window_
                     << " tokens";
  }
  metrics_.kv_blocks_total.store(count);
  if (sampling_threads > 1) {
    sampling_pool_ = std::make_unique<cpu::ThreadPool>(sampling_threads);
    LLM_LOG(INFO) << "sequences sample on " << sampling_threads << " threads";
  }
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
  if (generation.n > limits_.max_running) {
    return absl::InvalidArgumentError(absl::StrCat("n = ", generation.n, " is more choices than ",
                                                   "the engine runs at once (", limits_.max_running,
                                                   ")"));
  }
  auto request = std::make_shared<Request>(std::move(generation));
  absl::MutexLock lock(&mu_);
  // Requests that will start at the next step do not count as queued.
  const int free_slots = std::max(0, limits_.max_running - running_count_);
  if (static_cast<int>(waiting_.size()) >= free_slots + limits_.max_queued) {
    metrics_.rejected.fetch_add(1);
    return absl::ResourceExhaustedError(absl::StrCat(
        "the engine is full: ", running_count_, " sequences running and ", waiting_.size(),
        " requests queued (limits ", limits_.max_running, " and ", limits_.max_queued, ")"));
  }
  waiting_.push_back(std::make_unique<Sequence>(request, arrivals_++));
  metrics_.queued.store(static_cast<int64_t>(waiting_.size()));
  return request->stream;
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
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      auto has_work = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return stopping_ || !waiting_.empty() || !running_.empty();
      };
      mu_.Await(absl::Condition(&has_work));
      if (stopping_) break;
      // A request whose caller left while it waited never starts.
      std::erase_if(waiting_, [this](const auto& seq) { return EndIfCancelled(*seq); });
    }
    Step();
    absl::MutexLock lock(&mu_);
    running_count_ = static_cast<int>(running_.size());
    metrics_.running.store(running_count_);
  }
  // Shutting down: whatever still runs or waits ends as cancelled.
  absl::MutexLock lock(&mu_);
  for (auto& seq : running_) Finish(*seq, llm::v1::FINISH_REASON_CANCELLED);
  for (auto& seq : waiting_) Finish(*seq, llm::v1::FINISH_REASON_CANCELLED);
}

void EngineLoop::Step() {
  // A cancelled call's sequence and blocks go before the step.
  std::erase_if(running_, [this](const auto& seq) { return EndIfCancelled(*seq); });
  std::vector<std::unique_ptr<Sequence>> admitted;
  const StepPlan plan = Schedule(admitted);
  for (auto& seq : admitted) {
    Start(*seq);
    running_.push_back(std::move(seq));
  }

  // The batch: each scheduled sequence's next tokens, over its block table.
  std::vector<SequenceStep> steps;
  std::vector<Sequence*> stepped;
  std::vector<int64_t> last_row;  // Each step's last logits row (the one sampled from).
  int64_t rows = 0;
  for (size_t i = 0; i < running_.size(); ++i) {
    Sequence* seq = running_[i].get();
    if (seq == nullptr) continue;  // Preempted.
    const int64_t take = std::min(plan.take[i], seq->pending());
    if (take == 0) continue;
    if (!Reserve(*seq, take)) {
      Finish(*seq, llm::v1::FINISH_REASON_ERROR, "the KV cache ran out of blocks");
      continue;
    }
    steps.push_back({std::vector<int32_t>(seq->tokens.begin() + seq->position,
                                          seq->tokens.begin() + seq->position + take),
                     seq->position, seq->block_table.data(), seq->WantsPromptLogits()});
    stepped.push_back(seq);
    rows += steps.back().all_logits ? take : 1;
    last_row.push_back(rows - 1);
  }
  std::erase(running_, nullptr);
  const int64_t vocab = model_.model->config().vocab_size;
  // The backend's memory, kept between steps: no 3 MB to clear per step.
  absl::StatusOr<float*> logits_buffer = backend_->LogitsBuffer(rows * vocab);
  float* step_logits = logits_buffer.value_or(nullptr);
  if (!steps.empty()) {
    absl::Status status = logits_buffer.status();
    if (status.ok()) status = backend_->Forward(steps, step_logits);
    if (!status.ok()) {
      LLM_LOG(ERROR) << "forward pass failed: " << status;
      for (Sequence* seq : stepped) {
        Finish(*seq, llm::v1::FINISH_REASON_ERROR,
               absl::StrCat("forward pass failed: ", status.message()));
      }
      stepped.clear();  // Nothing to sample; the step's end removes the finished.
    }
  }

  std::vector<std::unique_ptr<Sequence>> forked;
  // Every sequence whose prompt is done draws its next token: first all of them choose
  // (on the sampling threads when there are some: each touches its own sampler alone),
  // then, in order, each takes its token and streams.
  struct Draw {
    Sequence* seq;
    absl::Span<float> logits;
    Sequence::NextToken next;
  };
  std::vector<Draw> draws;
  std::vector<std::vector<float>> copies;  // Moving one keeps its buffer: spans stay valid.
  for (size_t s = 0; s < stepped.size(); ++s) {
    Sequence& seq = *stepped[s];
    const auto fed = static_cast<int64_t>(steps[s].tokens.size());
    if (steps[s].all_logits) {
      seq.AddPromptLogprobs(&step_logits[(last_row[s] + 1 - fed) * vocab], fed, vocab,
                            *model_.tokenizer);
    }
    seq.position += fed;
    Publish(seq);
    if (seq.pending() > 0) continue;  // Prefilling: the rest of the prompt comes next step.
    // The prompt is done: the other choices start here, sharing its blocks.
    std::vector<Sequence*> choices = {&seq};
    for (int k = 1; k <= seq.forks; ++k) {
      forked.push_back(seq.Fork(k));
      for (int32_t block : seq.block_table) blocks_.Hold(block);
      choices.push_back(forked.back().get());
    }
    seq.forks = 0;
    // Sampling may modify its row: every choice but the last takes a copy.
    const absl::Span<float> row = absl::MakeSpan(&step_logits[last_row[s] * vocab], vocab);
    for (Sequence* choice : choices) {
      absl::Span<float> logits = row;
      if (choice != choices.back()) {
        logits = absl::MakeSpan(copies.emplace_back(row.begin(), row.end()));
      }
      draws.push_back({choice, logits, {}});
    }
  }
  const std::vector<int32_t>& eos_ids = model_.model->config().eos_token_ids;
  auto choose = [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      draws[i].next = draws[i].seq->Choose(draws[i].logits, eos_ids);
    }
  };
  const auto count = static_cast<int64_t>(draws.size());
  if (sampling_pool_ != nullptr && count > 1) {
    sampling_pool_->ParallelFor(count, 1, choose);
  } else {
    choose(0, count);
  }
  for (Draw& draw : draws) {
    const std::optional<llm::v1::FinishReason> reason =
        draw.seq->Accept(draw.next, model_, metrics_);
    if (reason.has_value()) Finish(*draw.seq, *reason);
  }
  for (auto& seq : forked) running_.push_back(std::move(seq));
  std::erase_if(running_, [](const auto& seq) { return seq->finished(); });
  std::stable_sort(running_.begin(), running_.end(), [](const auto& a, const auto& b) {
    return std::tie(a->arrival, a->index) < std::tie(b->arrival, b->index);
  });
  UpdateKvFigures();
}

StepPlan EngineLoop::Schedule(std::vector<std::unique_ptr<Sequence>>& admitted) {
  const int64_t block_tokens = limits_.kv_block_tokens;
  std::vector<RunningDemand> demands;
  for (const auto& seq : running_) {
    RunningDemand& d = demands.emplace_back();
    d.pending = seq->pending();
    d.position = seq->position;
    d.blocks = static_cast<int64_t>(seq->block_table.size());
    d.shared_tail =
        seq->position % block_tokens != 0 && blocks_.holders(seq->block_table.back()) > 1;
    d.releasable = std::count_if(seq->block_table.begin(), seq->block_table.end(),
                                 [this](int32_t b) { return blocks_.holders(b) == 1; });
  }
  absl::MutexLock lock(&mu_);
  std::vector<WaitingDemand> waiting;
  for (const auto& seq : waiting_) {
    if (static_cast<int>(waiting.size()) >= limits_.max_running) break;  // Cannot start more.
    waiting.push_back({seq->pending(), 1 + seq->forks});
  }
  const StepPlan plan = PlanStep(demands, waiting, blocks_.available(), limits_);
  for (int victim : plan.preempt) {  // Newest first, so the oldest ends up in front.
    Preempt(*running_[victim]);
    waiting_.push_front(std::move(running_[victim]));
  }
  for (int a = 0; a < plan.admit; ++a) {
    admitted.push_back(std::move(waiting_.front()));
    waiting_.pop_front();
  }
  metrics_.queued.store(static_cast<int64_t>(waiting_.size()));
  return plan;
}

void EngineLoop::Start(Sequence& seq) {
  // At least the last token is computed again: its logits choose the next one. Prompt
  // log-probabilities need every prompt token computed.
  const int64_t tokens = static_cast<int64_t>(seq.tokens.size());
  const int64_t reusable = seq.WantsPromptLogits() ? 0 : (tokens - 1) / limits_.kv_block_tokens;
  seq.block_table = blocks_.AcquirePrefix(seq.tokens, reusable);
  seq.published = static_cast<int64_t>(seq.block_table.size());
  seq.position = seq.published * limits_.kv_block_tokens;
  metrics_.prefix_query_tokens.fetch_add(tokens);
  metrics_.prefix_hit_tokens.fetch_add(seq.position);
  Request& request = *seq.request;
  if (!request.started) {
    request.started = true;
    request.cached_tokens = seq.position;
    metrics_.prompt_tokens.fetch_add(static_cast<int64_t>(request.generation.prompt.size()));
  }
}

void EngineLoop::Preempt(Sequence& seq) {
  LLM_LOG(INFO) << "request " << seq.request->generation.request_id << " choice " << seq.index
                << ": preempted at " << seq.position << " tokens (KV cache full)";
  Release(seq);
  seq.position = 0;
  seq.published = 0;
  metrics_.preempted.fetch_add(1);
}

bool EngineLoop::Reserve(Sequence& seq, int64_t tokens) {
  const int64_t block_tokens = limits_.kv_block_tokens;
  std::vector<int32_t>& table = seq.block_table;
  if (seq.position % block_tokens != 0 && blocks_.holders(table.back()) > 1) {
    const std::optional<int32_t> copy =
        blocks_.Allocate(table.size() >= 2 ? table[table.size() - 2] : -1);
    if (!copy.has_value()) return false;
    backend_->CopyKvBlock(table.back(), *copy);
    blocks_.Release(table.back());
    table.back() = *copy;
  }
  while (static_cast<int64_t>(table.size()) * block_tokens < seq.position + tokens) {
    const std::optional<int32_t> block = blocks_.Allocate(table.empty() ? -1 : table.back());
    if (!block.has_value()) return false;
    table.push_back(*block);
  }
  return true;
}

void EngineLoop::Publish(Sequence& seq) {
  const int64_t block_tokens = limits_.kv_block_tokens;
  const absl::Span<const int32_t> tokens(seq.tokens);
  for (; seq.published < seq.position / block_tokens; ++seq.published) {
    const int64_t i = seq.published;
    blocks_.Publish(seq.block_table[i], i == 0 ? -1 : seq.block_table[i - 1],
                    tokens.subspan(i * block_tokens, block_tokens));
  }
}

void EngineLoop::Release(Sequence& seq) {
  for (auto it = seq.block_table.rbegin(); it != seq.block_table.rend(); ++it) {
    blocks_.Release(*it);
  }
  seq.block_table.clear();
}

bool EngineLoop::EndIfCancelled(Sequence& seq) {
  if (!seq.request->stream->cancelled()) return false;
  Finish(seq, llm::v1::FINISH_REASON_CANCELLED);
  return true;
}

void EngineLoop::Finish(Sequence& seq, llm::v1::FinishReason reason, absl::string_view error) {
  // Choices not forked yet end with it.
  for (int k = 1; k <= seq.forks; ++k) seq.Fork(k)->Finish(reason, metrics_, error);
  seq.forks = 0;
  seq.Finish(reason, metrics_, error);
  Release(seq);
}

void EngineLoop::UpdateKvFigures() {
  metrics_.kv_blocks_used.store(blocks_.held());
  metrics_.kv_blocks_cached.store(blocks_.cached());
}

}  // namespace llm
