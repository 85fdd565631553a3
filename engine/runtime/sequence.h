// What the engine loop keeps per Generate call (Request) and per choice (Sequence): the
// tokens, the KV cache blocks, the sampler and the output not yet sent. Only the loop
// thread touches them.
#ifndef LLM_ENGINE_RUNTIME_SEQUENCE_H_
#define LLM_ENGINE_RUNTIME_SEQUENCE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "engine/runtime/engine_metrics.h"
#include "engine/runtime/generation.h"
#include "engine/runtime/loaded_model.h"
#include "engine/runtime/response_stream.h"
#include "engine/sampling/logits_processor.h"
#include "engine/sampling/logprobs.h"
#include "engine/sampling/sampler.h"
#include "engine/sampling/text_stream.h"
#include "llm/v1/engine.pb.h"

namespace llm {

struct Request {
  explicit Request(Generation g) : generation(std::move(g)), open_choices(generation.n) {}

  // Sends `response`; the first one also carries the prompt's log-probabilities.
  void Push(llm::v1::GenerateResponse response);

  Generation generation;
  std::shared_ptr<ResponseStream> stream = std::make_shared<ResponseStream>();
  int open_choices;               // Choices not finished yet.
  bool started = false;           // Its first sequence has been scheduled.
  int64_t cached_tokens = 0;      // Prompt tokens the prefix cache held when it started.
  int64_t completion_tokens = 0;  // Over all choices.
  llm::v1::FinishReason outcome = llm::v1::FINISH_REASON_UNSPECIFIED;  // See Finish.
  absl::Time arrived = absl::Now();
  // With generation.prompt_logprobs: one entry per prompt token computed so far.
  std::vector<llm::v1::TokenLogprob> prompt_logprobs;
  bool sent_any = false;
};

class Sequence {
 public:
  // Choice 0 of `request`, which forks the other n - 1 once its prompt is in the cache.
  Sequence(std::shared_ptr<Request> request, uint64_t arrival);

  // Choice `index`, a copy of this sequence right after its prompt (blocks included;
  // the caller holds them once more).
  std::unique_ptr<Sequence> Fork(int index) const;

  // Input tokens not yet in the KV cache.
  int64_t pending() const { return static_cast<int64_t>(tokens.size()) - position; }

  // Whether the next forward should return the logits of every token it feeds: the
  // request asked for the prompt's log-probabilities and they are not all known yet.
  bool WantsPromptLogits() const;

  // Records the prompt log-probabilities that `logits` (one row of `vocab` per token fed
  // from `position` on, `count` rows) give.
  void AddPromptLogprobs(const float* logits, int64_t count, int64_t vocab,
                         const Tokenizer& tokenizer);

  // A sampled token, and its log-probabilities when the request asked for them.
  struct NextToken {
    int32_t token = 0;
    std::optional<TokenLogprobs> logprobs;
  };
  // Samples the next token from `logits` (this sequence's last position; modified), with
  // the request's logit bias, penalties and minimum length (`eos_ids` are the model's).
  // Touches this sequence's sampler alone: sequences may choose on several threads at once.
  NextToken Choose(absl::Span<float> logits, const std::vector<int32_t>& eos_ids);
  // Appends `next` and streams what it makes ready; on the engine loop's thread. Returns
  // the reason once the choice has ended (then call Finish).
  std::optional<llm::v1::FinishReason> Accept(const NextToken& next, const LoadedModel& model,
                                              EngineMetrics& metrics);

  // Sends the choice's last output with `reason` (and `error`, for FINISH_REASON_ERROR);
  // the request's last choice also sends the usage, closes the stream and logs the
  // request. The caller releases the blocks.
  void Finish(llm::v1::FinishReason reason, EngineMetrics& metrics, absl::string_view error = {});
  bool finished() const { return finished_; }

  const std::shared_ptr<Request> request;
  const uint64_t arrival;  // Submission order; the newest are preempted first.
  const int index;         // Choice index.
  int forks = 0;           // Choices still to fork from this one.

  std::vector<int32_t> tokens;  // The prompt, then what was generated.
  int64_t position = 0;         // Tokens whose keys and values are in the cache.
  std::vector<int32_t> block_table;
  int64_t published = 0;  // Full blocks offered to the prefix cache.

 private:
  Sequence(std::shared_ptr<Request> request, uint64_t arrival, int index);

  Sampler sampler_;
  TokenCounts counts_;
  TextStream text_;
  int64_t generated_ = 0;
  llm::v1::ChoiceDelta output_;  // Not sent yet.
  absl::Time last_token_;
  bool finished_ = false;
};

}  // namespace llm

#endif  // LLM_ENGINE_RUNTIME_SEQUENCE_H_
