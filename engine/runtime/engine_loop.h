// The one thread that runs the model. Each step it admits waiting requests, runs every
// active sequence's new tokens (a chunk of its prompt, or the last sampled token; see
// step_plan.h) in one batched forward pass, samples the next token of each sequence whose
// prompt is done, and streams what is ready. A request
// that arrives while others decode joins at the next step (continuous batching).
//
// Owns the sequences and their KV caches; only the loop thread touches them. Submit is
// thread-safe.
#ifndef LLM_ENGINE_RUNTIME_ENGINE_LOOP_H_
#define LLM_ENGINE_RUNTIME_ENGINE_LOOP_H_

#include <deque>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "engine/backend/cpu/thread_pool.h"
#include "engine/runtime/engine_metrics.h"
#include "engine/runtime/generation.h"
#include "engine/runtime/loaded_model.h"
#include "engine/runtime/response_stream.h"
#include "engine/runtime/step_plan.h"

namespace llm {

class EngineLoop {
 public:
  // `model` must outlive the loop. `threads` compute threads; at most
  // `limits.max_running` sequences run at once, at most `limits.max_queued` more wait in
  // arrival order, and one step feeds about `limits.step_tokens` tokens.
  EngineLoop(const LoadedModel& model, int threads, const SchedulerLimits& limits);
  ~EngineLoop();  // Finishes nothing: open streams end with FINISH_REASON_CANCELLED.

  EngineLoop(const EngineLoop&) = delete;
  EngineLoop& operator=(const EngineLoop&) = delete;

  // Queues a request; its responses arrive on the returned stream. RESOURCE_EXHAUSTED
  // when the queue is full.
  absl::StatusOr<std::shared_ptr<ResponseStream>> Submit(Generation generation);

  // Sequences running and requests waiting, for the Load figures.
  int running() const;
  int queued() const;
  int max_running() const { return limits_.max_running; }
  int max_queued() const { return limits_.max_queued; }
  const EngineMetrics& metrics() const { return metrics_; }

 private:
  struct Sequence;

  void Run();
  void Step(std::vector<std::unique_ptr<Sequence>>& running);
  // Applies the sampled `token` to `seq`; returns false once the sequence has finished.
  bool Advance(Sequence& seq, std::vector<float>& logits);
  void Finish(Sequence& seq, llm::v1::FinishReason reason);
  // Ends `seq` if its caller has gone (hung up or past its deadline); true if it ended.
  bool EndIfCancelled(Sequence& seq);

  const LoadedModel& model_;
  EngineMetrics metrics_;
  const SchedulerLimits limits_;
  cpu::ThreadPool pool_;

  mutable absl::Mutex mu_;
  std::deque<std::unique_ptr<Sequence>> waiting_ ABSL_GUARDED_BY(mu_);
  int running_count_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace llm

#endif  // LLM_ENGINE_RUNTIME_ENGINE_LOOP_H_
