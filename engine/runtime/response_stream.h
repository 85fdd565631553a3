// The channel between the engine loop (producer) and one gRPC Generate call (consumer):
// responses in order, then the end of the stream. The consumer may cancel; the loop
// sees it before its next step and frees the sequence.
//
// Thread-safety: one producer thread and one consumer thread.
#ifndef LLM_ENGINE_RUNTIME_RESPONSE_STREAM_H_
#define LLM_ENGINE_RUNTIME_RESPONSE_STREAM_H_

#include <atomic>
#include <deque>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "llm/v1/engine.pb.h"

namespace llm {

class ResponseStream {
 public:
  // Producer side.
  void Push(llm::v1::GenerateResponse response);
  void Close();
  bool cancelled() const { return cancelled_.load(); }

  // Consumer side: waits up to `timeout` for a response or the end; false if neither came,
  // so the consumer can look at its caller (gone? deadline passed?) and wait again.
  bool WaitReady(absl::Duration timeout);
  // The next response, or nullopt once the stream is closed and empty.
  std::optional<llm::v1::GenerateResponse> Next();
  void Cancel() { cancelled_.store(true); }

 private:
  bool Ready() const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  std::deque<llm::v1::GenerateResponse> queue_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<bool> cancelled_{false};
};

}  // namespace llm

#endif  // LLM_ENGINE_RUNTIME_RESPONSE_STREAM_H_
