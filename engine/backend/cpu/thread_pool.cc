#include "engine/backend/cpu/thread_pool.h"

#include <algorithm>

namespace llm::cpu {

ThreadPool::ThreadPool(int threads) {
  for (int i = 1; i < std::max(threads, 1); ++i) {
    workers_.emplace_back([this, i] { WorkerLoop(i); });
  }
}

ThreadPool::~ThreadPool() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& worker : workers_) worker.join();
}

void ThreadPool::RunShare(int index) {
  const int64_t parts = size();
  const int64_t blocks = (job_n_ + job_grain_ - 1) / job_grain_;
  const int64_t begin = std::min(job_n_, blocks * index / parts * job_grain_);
  const int64_t end = std::min(job_n_, blocks * (index + 1) / parts * job_grain_);
  if (begin < end) (*job_)(begin, end);
}

void ThreadPool::WorkerLoop(int index) {
  uint64_t seen = 0;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      auto ready = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return stopping_ || generation_ != seen;
      };
      mu_.Await(absl::Condition(&ready));
      if (stopping_) return;
      seen = generation_;
    }
    RunShare(index);
    pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

void ThreadPool::ParallelFor(int64_t n, int64_t grain,
                             const std::function<void(int64_t, int64_t)>& fn) {
  if (workers_.empty() || n <= grain) {
    if (n > 0) fn(0, n);
    return;
  }
  job_ = &fn;
  job_n_ = n;
  job_grain_ = std::max<int64_t>(grain, 1);
  pending_.store(static_cast<int>(workers_.size()), std::memory_order_release);
  {
    absl::MutexLock lock(&mu_);
    ++generation_;
  }
  RunShare(0);
  // Workers finish within microseconds of the caller; spinning beats a sleep here.
  while (pending_.load(std::memory_order_acquire) != 0) std::this_thread::yield();
}

}  // namespace llm::cpu
