// A fixed set of worker threads that split loops of the forward pass between them.
// ParallelFor is called from one thread at a time (the engine loop); the caller's
// thread takes a share of the work too, so a pool of N runs N-way.
//
// A decode step issues hundreds of short loops, so idle workers spin briefly on an
// atomic before sleeping: waking a sleeping thread costs more than the loop itself.
#ifndef LLM_ENGINE_BACKEND_CPU_THREAD_POOL_H_
#define LLM_ENGINE_BACKEND_CPU_THREAD_POOL_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace llm::cpu {

class ThreadPool {
 public:
  // `threads` >= 1 workers in all, counting the caller's thread.
  explicit ThreadPool(int threads);
  ~ThreadPool();

  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls fn(begin, end) on disjoint ranges covering [0, n), spread over the threads as
  // they come free, and returns when all are done. Ranges start at multiples of `grain`.
  void ParallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

 private:
  void WorkerLoop();
  void RunShare();  // Runs chunks of the current job until none is left.
  void Publish();  // Starts the job set in job_* on every worker.

  std::vector<std::thread> workers_;
  // The current job; written before generation_ advances, read by workers after.
  const std::function<void(int64_t, int64_t)>* job_ = nullptr;
  int64_t job_n_ = 0;
  int64_t job_grain_ = 1;
  std::atomic<int64_t> job_next_{0};  // Start of the next unclaimed chunk.
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stopping_{false};
  std::atomic<int> sleepers_{0};
  absl::Mutex mu_;  // Only for sleeping workers.
};

}  // namespace llm::cpu

#endif  // LLM_ENGINE_BACKEND_CPU_THREAD_POOL_H_
