// The one thread that runs the model. Each step it asks the scheduler's policy
// (step_plan.h) what to do, preempts and admits accordingly, runs every scheduled
// sequence's new tokens (a chunk of its prompt, or the last sampled token) in one batched
// forward pass, samples the next token of each sequence whose prompt is done, and
// streams what is ready. A request that arrives while others decode joins at the next
// step (continuous batching).
//
// Keys and values live in a paged KV cache: a pool of fixed-size blocks (stored by the
// backend, backend/backend.h), handed out by a block manager that also keeps released full
// blocks as a prefix cache (kv_cache/block_manager.h). A prompt that begins like an
// earlier one starts from the cached blocks; the n choices of a request share their
// prompt's blocks and copy a shared block before writing into it. When blocks run out,
// the newest sequences are preempted: freed, requeued, and recomputed later.
//
// Owns the requests, sequences and the cache; only the loop thread touches them. Submit
// and the figures are thread-safe.
#ifndef LLM_ENGINE_RUNTIME_ENGINE_LOOP_H_
#define LLM_ENGINE_RUNTIME_ENGINE_LOOP_H_

#include <deque>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "engine/backend/backend.h"
#include "engine/backend/cpu/thread_pool.h"
#include "engine/kv_cache/block_manager.h"
#include "engine/runtime/engine_metrics.h"
#include "engine/runtime/generation.h"
#include "engine/runtime/loaded_model.h"
#include "engine/runtime/response_stream.h"
#include "engine/runtime/sequence.h"
#include "engine/runtime/step_plan.h"

namespace llm {

class EngineLoop {
 public:
  // `model` must outlive the loop; `backend` computes its steps and holds the KV
  // cache's blocks of `limits.kv_block_tokens` positions. At most `limits.max_running`
  // sequences run at once, at most `limits.max_queued` more requests wait in arrival
  // order, and one step feeds about `limits.step_tokens` tokens. The sequences of a step
  // sample on `sampling_threads` threads (the loop's own among them): a GPU's steps
  // leave the CPU idle, where a vocabulary-wide draw per sequence adds up.
  EngineLoop(const LoadedModel& model, std::unique_ptr<Backend> backend,
             const SchedulerLimits& limits, int sampling_threads = 1);
  ~EngineLoop();  // Finishes nothing: open streams end with FINISH_REASON_CANCELLED.

  EngineLoop(const EngineLoop&) = delete;
  EngineLoop& operator=(const EngineLoop&) = delete;

  // Queues a request; its responses arrive on the returned stream. RESOURCE_EXHAUSTED
  // when the queue is full; INVALID_ARGUMENT when it asks for more choices than run at once.
  absl::StatusOr<std::shared_ptr<ResponseStream>> Submit(Generation generation);

  // The most tokens (prompt and completion) a request may use: the model's context
  // window, or what the KV cache holds if that is less.
  int64_t context_window() const { return context_window_; }

  // Sequences running and requests waiting, for the Load figures.
  int running() const;
  int queued() const;
  const SchedulerLimits& limits() const { return limits_; }
  const EngineMetrics& metrics() const { return metrics_; }
  const Backend& backend() const { return *backend_; }

 private:
  void Run();
  void Step();
  // Takes the next step's sequences from the plan: preempts into `waiting_`, admits from it.
  StepPlan Schedule(std::vector<std::unique_ptr<Sequence>>& admitted);
  // Starts a sequence taken from the queue on the longest cached prefix of its tokens.
  void Start(Sequence& seq);
  // Frees `seq`'s blocks; it will recompute its tokens when it runs again.
  void Preempt(Sequence& seq);
  // Gives `seq` blocks for `tokens` more positions (copying a shared last block first);
  // false if the pool is out of blocks, which the plan rules out.
  bool Reserve(Sequence& seq, int64_t tokens);
  // Offers `seq`'s newly filled blocks to the prefix cache.
  void Publish(Sequence& seq);
  void Release(Sequence& seq);
  // Ends the choice (and the choices it has not forked yet) and frees its blocks.
  void Finish(Sequence& seq, llm::v1::FinishReason reason, absl::string_view error = {});
  // Ends `seq` if its caller has gone (hung up or past its deadline); true if it ended.
  bool EndIfCancelled(Sequence& seq);
  void UpdateKvFigures();

  const LoadedModel& model_;
  EngineMetrics metrics_;
  const SchedulerLimits limits_;
  std::unique_ptr<Backend> backend_;  // The forward pass and the KV blocks' contents.
  BlockManager blocks_;
  const int64_t context_window_;
  std::vector<std::unique_ptr<Sequence>> running_;  // In arrival order.

  mutable absl::Mutex mu_;
  std::deque<std::unique_ptr<Sequence>> waiting_ ABSL_GUARDED_BY(mu_);
  uint64_t arrivals_ ABSL_GUARDED_BY(mu_) = 0;
  int running_count_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::unique_ptr<cpu::ThreadPool> sampling_pool_;  // None with one sampling thread.
  std::thread thread_;
};

}  // namespace llm

#endif  // LLM_ENGINE_RUNTIME_ENGINE_LOOP_H_
